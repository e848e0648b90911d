import { eventTypeValues } from '../../db/schema'
import { jsonContent, problemResponses } from '../../lib/openapi'
import { protectedRoute } from '../../lib/routes'
import type { Permission } from '../../middleware/authorize'
import {
  EventIdParamsSchema,
  EventPageSchema,
  EventSchema,
  ListEventsQuerySchema,
  retentionNote,
} from './events.schemas'

/** docs/conversations.md §1: staff read the events of the objects their role may read; a CUSTOMER reads none. */
const readers: Permission = { roles: ['ADMIN', 'REPRESENTATIVE', 'AGENT'] }
const tags = ['Events']

const feedDescription = [
  'Every change of every resource, written by the database in the same transaction as the change (it commits or ' +
    'rolls back with it): what changed (`data.object`, `data.previousAttributes`), who changed it (`actor`: a ' +
    'person, an AI agent, the system or the platform), and through which request (`requestId`, ' +
    '`idempotencyKey`). This is also the audit history: `?objectId=` gives one object’s.',
  'An ADMIN reads every event; a REPRESENTATIVE or an AGENT the events of the objects its role may read ' +
    'through their own GET routes (an AGENT: of escalations, those it opened), in the representation those routes ' +
    'return to it.',
  'To follow the feed, read it oldest first (`sort=createdAt`) and poll with the last `nextCursor`: oldest first ' +
    'every page has one, the last too (null only before the first event), and a page shorter than `limit` means ' +
    'caught up. That order ends just before the oldest transaction still open, so an event that commits later ' +
    'never lands behind a cursor (it appears a moment after its commit). Newest first shows every committed event.',
  `Types (\`<resource>.<verb>\`): ${eventTypeValues.join(', ')}.`,
  retentionNote,
].join('\n\n')

export const listEvents = protectedRoute(readers, {
  method: 'get',
  path: '/v1/events',
  tags,
  summary: 'List events: the change feed and audit history (newest first by default)',
  description: feedDescription,
  request: { query: ListEventsQuerySchema },
  responses: { 200: jsonContent(EventPageSchema, 'A page of events.') },
})

export const getEvent = protectedRoute(readers, {
  method: 'get',
  path: '/v1/events/{eventId}',
  tags,
  summary: 'Get an event',
  description: retentionNote,
  request: { params: EventIdParamsSchema },
  responses: {
    200: jsonContent(EventSchema, 'The event.'),
    ...problemResponses(404),
  },
})
