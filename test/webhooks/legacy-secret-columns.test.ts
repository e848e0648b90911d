import { getTableColumns } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { webhookEndpoints } from '../../src/db/schema'
import { WEBHOOK_MAX_PREVIOUS_SECRETS } from '../../src/webhooks/signature'
import { ownerSql } from '../support/db'

/*
 * Expand, then contract, over three releases: 0049 moved the one-slot previous_secret columns into previous_secrets
 * and emptied them; 0052's release stopped naming them (the Worker it replaced still selected them between its
 * `migrate` and `deploy`); 0057, the release after, drops them, since no deployed Worker names them any more.
 */

const legacy = ['previous_secret', 'previous_secret_expires_at']

describe('webhook_endpoints: the columns replaced by previous_secrets', () => {
  it('are not declared by the drizzle table (so this Worker never selects them)', () => {
    const declared = Object.values(getTableColumns(webhookEndpoints)).map((column) => column.name)
    expect(declared).toContain('previous_secrets')
    for (const name of legacy) expect(declared).not.toContain(name)
  })

  it('are gone from the database', async () => {
    const rows = (await ownerSql`select a.attname::text as name from pg_catalog.pg_attribute a
      where a.attrelid = 'public.webhook_endpoints'::regclass and not a.attisdropped
        and a.attname in ('previous_secret', 'previous_secret_expires_at')`) as Array<{ name: string }>
    expect(rows).toEqual([])
  })
})

describe('webhook_endpoints_previous_secrets_bound', () => {
  it('bounds previous_secrets in the database at WEBHOOK_MAX_PREVIOUS_SECRETS, the limit the rotation enforces', async () => {
    const [row] = (await ownerSql`select pg_get_constraintdef(oid) as def from pg_catalog.pg_constraint
      where conrelid = 'public.webhook_endpoints'::regclass
        and conname = 'webhook_endpoints_previous_secrets_bound'`) as Array<{ def: string }>
    expect(row?.def).toContain(`jsonb_array_length(previous_secrets) <= ${WEBHOOK_MAX_PREVIOUS_SECRETS})`)
  })
})
