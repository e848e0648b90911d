import { z } from '@hono/zod-openapi'
import { and, eq, getTableColumns, ne, not, type SQL, sql } from 'drizzle-orm'
import type { PgColumn, PgInsertSelectQueryBuilder, PgTable } from 'drizzle-orm/pg-core'
import type { PrincipalRole } from '../../auth/principal'
import { foundOr404, refusalOf } from '../../db/crud'
import {
  type Message,
  type MessageAuthorType,
  messageAttachments,
  messages,
  type Ticket,
  tickets,
} from '../../db/schema'
import type { Statement, TenantDb } from '../../db/tenant'
import { errors } from '../../lib/errors'
import { versionMatches } from '../../lib/etag'
import {
  afterCursor,
  cursorOf,
  decodeCursor,
  filterKey,
  invalidCursor,
  orderByOf,
  type SortOrder,
} from '../../lib/pagination'
import type { CreateMessageInput, ListMessagesQuery, MessageRow } from './messages.schemas'

/*
 * A ticket's conversation. Reads are one round trip (the ticket's existence for the caller and the page in one
 * batch); posting is one round trip too: the ticket's UPDATE (its effects, and the row lock that orders the
 * ticket's messages), the message inserted only if that UPDATE was accepted, and the ticket as it is then (to
 * explain a refusal). The search index follows both writes by trigger (DATABASE.md, "Search").
 */

/** The conversation's order, oldest first; `backward` reads it from the other end. */
export const forward: SortOrder = { columns: [messages.createdAt, messages.id], direction: 'asc' }
const backward: SortOrder = { ...forward, direction: 'desc' }
/** One cursor format for both directions: a cursor names a position in the conversation. */
export const POSITION = 'createdAt'

/**
 * What a CUSTOMER may read of messages: PUBLIC ones of its own tickets (the route's ownership rule). The database
 * has the same rule as a restrictive policy (`customer_public_messages`).
 */
export function customerMessages(customerId: string): SQL {
  return sql`${messages.visibility} = 'PUBLIC' and exists (select 1 from ${tickets} where
    ${tickets.organizationId} = ${messages.organizationId} and ${tickets.id} = ${messages.ticketId}
    and ${tickets.customerId} = ${customerId})`
}

/** What a CUSTOMER may read of attachments: those of the messages it may read (`customerMessages`). */
export function customerAttachments(customerId: string): SQL {
  return sql`exists (select 1 from ${messages} where ${messages.organizationId} = ${messageAttachments.organizationId}
    and ${messages.id} = ${messageAttachments.messageId} and ${customerMessages(customerId)})`
}

/**
 * A message's attachments as JSON (metadata only), oldest first: read with the message, same round trip. The outer
 * row is named in the text (`messages.id`): drizzle writes a single-table select list's columns unqualified, which a
 * subquery would take for its own.
 */
const attachmentsOfMessage = sql<MessageRow['attachments']>`coalesce((
  select json_agg(json_build_object(
    'id', a.id, 'messageId', a.message_id, 'ticketId', messages.ticket_id, 'fileName', a.file_name, 'contentType', a.content_type, 'sizeBytes', a.size_bytes,
    'sha256', a.sha256, 'createdAt', to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  ) order by a.created_at, a.id)
  from ${messageAttachments} a
  where a.organization_id = messages.organization_id and a.message_id = messages.id
), '[]'::json)`

export const messageFields = { ...getTableColumns(messages), attachments: attachmentsOfMessage }

function selectMessages(db: TenantDb, ...conditions: Array<SQL | undefined>) {
  return db.selectFields(messages, messageFields, ...conditions)
}

export interface MessagePage {
  data: MessageRow[]
  nextCursor: string | null
  previousCursor: string | null
}

/**
 * One page of a ticket's conversation, oldest first, from either end or either side of a cursor; 404 when the
 * caller may not read the ticket. One round trip: the ticket, the page (limit + 1 rows tell whether it goes on),
 * and, with a cursor, whether anything lies on its other side.
 */
export async function listMessages(
  db: TenantDb,
  ticketId: string,
  query: ListMessagesQuery,
): Promise<MessagePage> {
  const order = query.direction === 'backward' ? backward : forward
  // The cursors are bound to the ticket, the path id (as every list's to its path ids; the `Ticket.messages`
  // continuation binds the same), not to the direction or visibility: they name a position in its conversation.
  const filters = filterKey({ ticketId })
  // A message id names a position too: a chat client polls with the last message it shows (nextCursor is null at
  // the end). Read in the same statement; a message the caller cannot read is refused below.
  const anchor = query.cursor && z.uuid().safeParse(query.cursor).success ? query.cursor : undefined
  const at = sql`(select m.created_at, m.id from ${messages} m where m.id = ${anchor})`
  const values = query.cursor && !anchor ? decodeCursor(query.cursor, POSITION, order, filters) : undefined
  const position = anchor
    ? sql`(${messages.createdAt}, ${messages.id}) ${sql.raw(order === forward ? '>' : '<')} ${at}`
    : values
      ? afterCursor(order, values)
      : undefined
  // The message at the position itself (the anchor, or the cursor's last row): behind the position, but what an
  // empty page's reader shows already.
  const positionId = (anchor ?? values?.at(-1))?.toLowerCase()
  const onTicket = [
    eq(messages.ticketId, ticketId),
    query.visibility ? eq(messages.visibility, query.visibility) : undefined,
  ]
  const statements: Statement[] = [
    db.selectFields(tickets, { id: tickets.id }, eq(tickets.id, ticketId)),
    selectMessages(db, ...onTicket, position)
      .orderBy(...orderByOf(order))
      .limit(query.limit + 1),
    // Two: whether anything lies behind other than the position's own message (an empty page's previous cursor).
    ...(position
      ? [db.selectFields(messages, { id: messages.id }, ...onTicket, not(position)).limit(2)]
      : []),
    ...(anchor ? [db.selectFields(messages, { id: messages.id }, eq(messages.id, anchor), onTicket[0])] : []),
  ]
  const [ticketRows, rows, behind, anchorRows] = (await db.run(
    ...(statements as [Statement, ...Statement[]]),
  )) as [unknown[], MessageRow[], Array<{ id: string }> | undefined, unknown[] | undefined]
  foundOr404(ticketRows, 'ticket')
  if (anchorRows?.length === 0) throw invalidCursor()
  const page = rows.slice(0, query.limit)
  const first = page[0]
  const last = page[page.length - 1]
  // "ahead": further in the direction read; "behind": back toward the cursor's side, from the page's first message,
  // or from the position itself when the page is empty (a poll with nothing new).
  const ahead = rows.length > query.limit && last ? cursorOf(last, POSITION, order, filters) : null
  const back = first
    ? (behind?.length ?? 0) > 0
      ? cursorOf(first, POSITION, order, filters)
      : null
    : behind?.some((row) => row.id !== positionId)
      ? (query.cursor ?? null)
      : null
  if (order === backward) return { data: page.reverse(), nextCursor: back, previousCursor: ahead }
  return { data: page, nextCursor: ahead, previousCursor: back }
}

/** One message of a ticket, as the caller may read it (a CUSTOMER: PUBLIC ones of its own tickets), or 404. */
export async function getMessage(db: TenantDb, ticketId: string, messageId: string): Promise<MessageRow> {
  const [rows] = await db.run(selectMessages(db, eq(messages.ticketId, ticketId), eq(messages.id, messageId)))
  return foundOr404(rows as MessageRow[], 'message')
}

/** Who posts: the message's author kind and id (a user, or an agent configuration). */
export interface Author {
  type: Exclude<MessageAuthorType, 'SYSTEM'>
  id: string
}

/** The author kind of a caller: a CUSTOMER writes as the customer, people of the team as REPRESENTATIVE. */
export function authorOf(principal: { role: PrincipalRole; subject: string }): Author {
  const type =
    principal.role === 'CUSTOMER' ? 'CUSTOMER' : principal.role === 'AGENT' ? 'AGENT' : 'REPRESENTATIVE'
  return { type, id: principal.subject }
}

/**
 * What a message does to its ticket (README, "Conversations"), as the SET of the ticket's UPDATE, in SQL so it
 * reads the row as it is under the lock: every message raises its version and updatedAt; the first PUBLIC reply by
 * a person of the team or an AI agent sets firstResponseAt and who gave it; a CUSTOMER's message reopens a
 * RESOLVED ticket (OPEN, no longer resolved) and moves a WAITING_ON_CUSTOMER one to IN_PROGRESS.
 */
function ticketEffects(author: Author, input: CreateMessageInput) {
  const responds = input.visibility === 'PUBLIC' && author.type !== 'CUSTOMER'
  const unanswered = sql`${tickets.firstResponseAt} is null`
  return {
    ...(author.type === 'CUSTOMER'
      ? {
          status: sql`case ${tickets.status} when 'RESOLVED' then 'OPEN'::ticket_status
            when 'WAITING_ON_CUSTOMER' then 'IN_PROGRESS'::ticket_status else ${tickets.status} end`,
          resolvedAt: sql`case when ${tickets.status} = 'RESOLVED' then null else ${tickets.resolvedAt} end`,
        }
      : {}),
    ...(responds
      ? {
          firstResponseAt: sql`coalesce(${tickets.firstResponseAt}, now())`,
          firstResponseByType: sql`case when ${unanswered} then ${author.type}::message_author_type
            else ${tickets.firstResponseByType} end`,
          firstResponseById: sql`case when ${unanswered} then ${author.id}::uuid else ${tickets.firstResponseById} end`,
        }
      : {}),
  }
}

/**
 * An INSERT … SELECT's select list: drizzle lists every column of the table, in the table's order, so the values
 * are given by column key and put in that order here.
 */
export function inTableOrder<T extends PgTable>(table: T, values: Record<keyof T['$inferSelect'], SQL>) {
  const columns = getTableColumns(table) as Record<string, PgColumn>
  return Object.fromEntries(
    Object.keys(columns).map((key) => [key, (values as Record<string, SQL>)[key] as SQL]),
  ) as Record<string, SQL>
}

/**
 * Posts a message and applies its ticket effects in one round trip and one transaction: the ticket's UPDATE (only
 * if not CLOSED; a CUSTOMER's only on its own ticket), the message inserted from the ticket row only when that
 * UPDATE took it, and the ticket as it is then, to explain a refusal (404, 409 TICKET_CLOSED).
 * `createdAt` is the clock after the ticket's lock, and after the ticket's latest message and updatedAt (which it
 * becomes): a ticket's messages are in commit order, so a reader paging forward never misses one committed behind
 * its cursor, not even behind a note the author may not read.
 */
export async function createMessage(
  db: TenantDb,
  ticketId: string,
  input: CreateMessageInput,
  options: { author: Author; id: string },
): Promise<MessageRow> {
  const { author, id } = options
  const open = ne(tickets.status, 'CLOSED')
  const onTicket = eq(tickets.id, ticketId)
  // The message's time, set on the ticket by its UPDATE (under the lock) and read back by the INSERT: after the
  // clock, the ticket's latest message, and the ticket's previous updatedAt. The ticket carries it because a
  // CUSTOMER's max() sees PUBLIC messages only (row-level security), while the ticket is at least as late as every
  // message, INTERNAL notes included (each set it so).
  const messageTime = sql`greatest(clock_timestamp(), ${tickets.updatedAt} + interval '1 millisecond',
    (select max(m.created_at) + interval '1 millisecond'
    from ${messages} m where m.organization_id = ${db.organizationId} and m.ticket_id = ${ticketId}))`
  const createdAt = sql`${tickets.updatedAt}`
  const values = inTableOrder(messages, {
    id: sql`${id}::uuid`,
    organizationId: sql`${tickets.organizationId}`,
    ticketId: sql`${tickets.id}`,
    authorType: sql`${author.type}::message_author_type`,
    authorUserId: author.type === 'AGENT' ? sql`null::uuid` : sql`${author.id}::uuid`,
    authorAgentId: author.type === 'AGENT' ? sql`${author.id}::uuid` : sql`null::uuid`,
    visibility: sql`${input.visibility}::message_visibility`,
    format: sql`${input.format}::message_format`,
    body: sql`${input.body}::text`,
    metadata: input.metadata ? sql`${JSON.stringify(input.metadata)}::jsonb` : sql`null::jsonb`,
    redactedAt: sql`null::timestamptz`,
    redactedByUserId: sql`null::uuid`,
    version: sql`1`,
    createdAt,
    updatedAt: createdAt,
  })
  const [accepted, [inserted], [current]] = (await db.run(
    db
      .update(tickets, { ...ticketEffects(author, input), updatedAt: messageTime }, onTicket, open)
      .returning({ id: tickets.id }),
    db
      .insertFrom(
        messages,
        db.selectFields(tickets, values, onTicket, open) as unknown as PgInsertSelectQueryBuilder<
          typeof messages
        >,
      )
      .returning(),
    db.selectFields(tickets, { status: tickets.status }, onTicket),
  )) as unknown as [unknown[], Message[], Array<Pick<Ticket, 'status'>>]
  if (accepted.length === 0 || !inserted) {
    if (!current) throw errors.notFound('No such ticket.')
    throw errors.conflict('TICKET_CLOSED', 'A closed ticket takes no message: open a new ticket.')
  }
  return { ...inserted, attachments: [] }
}

/**
 * Redacts a message (If-Match honoured): the body goes (and with it the message's search terms, by trigger), so do
 * its metadata's sources (the message's stored events lose both, by trigger: app_scrub_redacted_message) and its
 * attachments (their objects are deleted after the commit: `storageKeys`); the fact, who and when stay. A
 * REPRESENTATIVE redacts its own messages, an ADMIN any (`ownMessagesOnly`). One round trip; a refusal is explained
 * from the row as it is after the UPDATE (crud.ts refusalOf).
 */
export async function redactMessage(
  db: TenantDb,
  ticketId: string,
  messageId: string,
  options: { redactorId: string; ownMessagesOnly: boolean; versions: number[] | undefined },
): Promise<{ message: MessageRow; storageKeys: string[] }> {
  const which = and(eq(messages.ticketId, ticketId), eq(messages.id, messageId)) as SQL
  const own = options.ownMessagesOnly ? eq(messages.authorUserId, options.redactorId) : undefined
  const [[updated], removed, [current], [view]] = (await db.run(
    db
      .update(
        messages,
        {
          body: null,
          // Sources can quote or link what was said; the model and confidence are about who said it, and stay.
          metadata: sql`${messages.metadata} - 'sources'`,
          redactedAt: sql`now()`,
          redactedByUserId: options.redactorId,
        },
        which,
        versionMatches(messages.version, options.versions),
        own,
        sql`${messages.redactedAt} is null`,
      )
      .returning({ id: messages.id }),
    // Only once the message is redacted (by this batch's UPDATE, or an earlier redaction that left none).
    db
      .delete(
        messageAttachments,
        eq(messageAttachments.messageId, messageId),
        sql`exists (select 1 from ${messages} where ${which} and ${messages.redactedAt} is not null)`,
      )
      .returning({ storageKey: messageAttachments.storageKey }),
    db.select(messages, which),
    selectMessages(db, which),
  )) as unknown as [Array<{ id: string }>, Array<{ storageKey: string }>, Message[], MessageRow[]]
  if (!updated || !view) {
    throw refusalOf<Message>(current, {
      what: 'message',
      versions: options.versions,
      explain: (row) => {
        if (options.ownMessagesOnly && row.authorUserId !== options.redactorId)
          return errors.forbidden('FORBIDDEN', 'A representative may redact only its own messages.')
        if (row.redactedAt) return errors.conflict('ALREADY_REDACTED', 'The message is already redacted.')
        return undefined
      },
    })
  }
  return { message: view, storageKeys: removed.map((row) => row.storageKey) }
}
