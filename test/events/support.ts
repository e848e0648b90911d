import { expect } from 'vitest'
import { api, json } from '../support/api'
import { ownerSql } from '../support/db'

/** An events row as the owner reads it (no RLS), in the order the database wrote them. */
export interface StoredEvent {
  id: string
  type: string
  object_type: string
  object_id: string
  object: Record<string, unknown>
  previous: Record<string, unknown> | null
  actor_type: string
  actor_role: string | null
  actor_id: string | null
  request_id: string | null
  idempotency_key: string | null
  created_at: string
}

export async function storedEvents(organizationId: string, objectId?: string): Promise<StoredEvent[]> {
  const rows = objectId
    ? await ownerSql`select * from events where organization_id = ${organizationId} and object_id = ${objectId} order by ordinal`
    : await ownerSql`select * from events where organization_id = ${organizationId} order by ordinal`
  return rows as StoredEvent[]
}

/** The types of an object's events, oldest first. */
export async function typesOf(organizationId: string, objectId: string): Promise<string[]> {
  return (await storedEvents(organizationId, objectId)).map((event) => event.type)
}

/** A call that must answer `status`; its JSON body. */
export async function call<T = Record<string, unknown>>(
  status: number,
  ...request: Parameters<typeof api>
): Promise<T> {
  const response = await api(...request)
  expect(
    response.status,
    `${request[1]?.method ?? 'GET'} ${request[0]}: ${await response.clone().text()}`,
  ).toBe(status)
  return response.status === 204 ? ({} as T) : json<T>(response)
}
