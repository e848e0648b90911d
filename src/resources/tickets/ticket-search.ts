import { eq, getTableColumns, type SQL, Subquery, sql } from 'drizzle-orm'
import { integer, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core'
import { listView } from '../../db/crud'
import { type Ticket, ticketSearchTerms, tickets } from '../../db/schema'
import type { TenantDb } from '../../db/tenant'
import { errors } from '../../lib/errors'
import type { SortOrder } from '../../lib/pagination'

/*
 * Full-text search of tickets under row-level security (DATABASE.md, "Search"). `@@` is not LEAKPROOF, so under
 * RLS no index could serve it for app_api; the search reads instead the inverted index `ticket_search_terms`
 * (kept by triggers from subjects, descriptions and messages) with text equality, which is LEAKPROOF and served
 * by btrees. Two steps, each of bounded work whatever the tenant's history (flat from 10³ to 10⁶ messages):
 * 1. candidates: SEARCH_CANDIDATES tickets shared among the query terms, each term's most recently mentioned;
 * 2. rank: for each candidate, the query terms it holds, counted exactly (primary-key probes), so a ticket found
 *    through one term gets credit for the others even when they are too common to have found it.
 * Tickets rank by the number of query terms they hold, then by their latest mention of one. A CUSTOMER reads its own
 * tickets' public postings only (the database's policy `customer_public_terms` says the same).
 */

/**
 * Candidate tickets of a search, shared among its terms (each contributes its most recently mentioned ones): what
 * bounds a search's work, whatever the size of the tenant's history.
 */
export const SEARCH_CANDIDATES = 100
/** Query terms used, after normalization (stemmed, stop words dropped): the first ones typed. */
export const MAX_QUERY_TERMS = 8
/** The text search configuration, the index's (drizzle/0012, app_search_terms_add). */
const CONFIGURATION = 'english'

/**
 * The ranked candidates of a search, as the derived table the query joins (not a table of the schema): declared as
 * columns so that the relevance sort pages with the one keyset-cursor mechanism of src/lib/pagination.ts.
 */
export const searchRank = pgTable('search_rank', {
  ticketId: uuid('ticket_id').notNull(),
  matchedTerms: integer('matched_terms').notNull(),
  lastMatchAt: timestamp('last_match_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
})

/** Most terms matched first, then the most recently mentioned, then the id (a total order). */
export const relevanceOrder: SortOrder = {
  columns: [searchRank.matchedTerms, searchRank.lastMatchAt, searchRank.ticketId],
  direction: 'desc',
}

// Leading zeros dropped (a reference copied zero-padded is the same ticket); any length: a number too large for any
// ticket is looked up (and not found) like the others, not searched as the words `ticket` and digits.
const TICKET_NUMBER = /^\s*ticket-0*(\d+)\s*$/i

/** `TICKET-1042` (any case) when the search text is a ticket number: looked up by number, not searched. */
export function ticketNumberIn(text: string | undefined): string | undefined {
  const digits = text === undefined ? undefined : TICKET_NUMBER.exec(text)?.[1]
  return digits === undefined ? undefined : `TICKET-${digits}`
}

/**
 * The sort of a tickets list: the caller's, else `relevance` for a text search, else newest first. A ticket number in
 * `q` is looked up, not searched: `relevance` (what a search box sends) has nothing to rank, and is newest first.
 */
export function ticketListSort<S extends string>(
  query: { sort?: S | 'relevance' | undefined; q?: string | undefined },
  textSearch: boolean,
) {
  const sort = query.sort ?? (textSearch ? 'relevance' : '-createdAt')
  if (sort === 'relevance' && !textSearch && ticketNumberIn(query.q) !== undefined) return '-createdAt' as S
  if (sort === 'relevance' && !textSearch) {
    throw errors.badRequest(
      'INVALID_PARAMETERS',
      '`sort=relevance` orders the results of a text search: give `q`.',
    )
  }
  return sort as S | 'relevance'
}

/**
 * The derived table `search_rank(ticket_id, matched_terms, last_match_at)` of a search text: the query's terms
 * (normalized as the index is), each one's most recent postings, grouped by ticket.
 */
function rankedMatches(db: TenantDb, text: string) {
  const { role, principalId } = db.context
  // A customer's own public postings: served by (organization_id, customer_id, internal, lexeme, last_mentioned_at),
  // and probed in the public audience only; staff probe both.
  const customer = role === 'CUSTOMER'
  const ownPostings = customer ? sql`and s.customer_id = ${principalId} and s.internal = false` : sql``
  // The rank probes the primary key (organization_id, ticket_id, internal, lexeme) for a candidate's own postings of the
  // terms, one audience at a time: with "internal = any (…)" the planner may pick a scan of every posting of a term.
  const audiences = customer ? [false] : [false, true]
  const ranked = sql`
    with q as (
      select l.lexeme
      from unnest(to_tsvector(${CONFIGURATION}::regconfig, ${text})) as l(lexeme, positions, weights)
      order by l.positions[1], l.lexeme
      limit ${MAX_QUERY_TERMS}
    ),
    candidates as (
      select distinct w.ticket_id from q
      cross join lateral (
        select s.ticket_id from ${ticketSearchTerms} s
        where s.organization_id = ${db.organizationId} and s.lexeme = q.lexeme ${ownPostings}
        order by s.last_mentioned_at desc
        limit (select ceil(${SEARCH_CANDIDATES}::numeric / count(*))::int from q)
      ) w
    )
    select c.ticket_id, m.matched_terms, m.last_match_at
    from candidates c
    cross join lateral (
      select count(distinct p.lexeme)::int as matched_terms, max(p.last_mentioned_at) as last_match_at
      from (${sql.join(
        audiences.map(
          (internal) => sql`select s.lexeme, s.last_mentioned_at from ${ticketSearchTerms} s
            where s.organization_id = ${db.organizationId} and s.ticket_id = c.ticket_id
              and s.internal = ${sql.raw(String(internal))} and s.lexeme = any (array(select q.lexeme from q))`,
        ),
        sql` union all `,
      )}) p
    ) m`
  // A subquery aliased as the `searchRank` shape, so that its columns are part of the query for drizzle.
  return new Subquery(ranked, { ticketId: searchRank.ticketId }, 'search_rank')
}

/**
 * One page of a text search: the list's filters and ownership apply to the matching tickets, in the relevance
 * order or any of the list's sorts. One round trip.
 */
export function searchTickets<S extends string>(
  db: TenantDb,
  query: { q: string; sort: S | 'relevance'; cursor?: string | undefined; limit: number },
  sorts: Record<S, SortOrder>,
  filters: Array<SQL | undefined>,
) {
  const orders = { ...sorts, relevance: relevanceOrder } as Record<S | 'relevance', SortOrder>
  return listView<S | 'relevance', Ticket>(db, query, orders, (after) =>
    db
      .selectFields(
        tickets,
        { ...getTableColumns(tickets), ...getTableColumns(searchRank) },
        after,
        ...filters,
      )
      .innerJoin(rankedMatches(db, query.q), eq(searchRank.ticketId, tickets.id)),
  )
}
