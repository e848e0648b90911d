import type { Principal } from '../auth/principal'
import { foundOr404 } from '../db/crud'
import type { TenantDb } from '../db/tenant'
import { ApiError } from '../lib/errors'
import { etagOf } from '../lib/etag'
import { type ReadNode, readNodes } from './graph'
import { authorizeEdge, listRoot, type PlanBranch, readPlans } from './planner'
import { type ReadNodeName, readLimits } from './relations'

/*
 * REST `expand` (Stripe-style dotted paths) on a resource's GET and list operations: the paths become a read plan's
 * branches (src/reads/planner.ts), so the resource and everything expanded come in ONE database round trip.
 */

function invalidExpand(message: string): ApiError {
  return new ApiError(400, 'INVALID_PARAMETERS', 'Bad Request', `The request query is invalid: ${message}`, {
    errors: [{ path: 'expand', message }],
  })
}

/** The rows branches may read under `parents` rows (each list at its page size times its parents'). */
const rowsOf = (branches: readonly PlanBranch[], parents: number): number =>
  branches.reduce((sum, branch) => {
    const rows = parents * (branch.edge.kind === 'many' ? branch.limit : 1)
    return sum + rows + rowsOf(branch.children, rows)
  }, 0)

/**
 * The branches of `expand=a,b.c` from `root` (`roots`: the page size of a list): each path checked (known, deep
 * and many enough, readable), and the rows all may read within GraphQL's limit (the same read costs the same).
 */
export function expandBranches(
  principal: Principal,
  root: ReadNodeName,
  expand: string,
  roots = 1,
): PlanBranch[] {
  const paths = [...new Set(expand.split(',').map((path) => path.trim()))]
  if (paths.some((path) => path === '')) throw invalidExpand('An empty path.')
  if (paths.length > readLimits.expandPaths) {
    throw invalidExpand(`At most ${readLimits.expandPaths} paths (got ${paths.length}).`)
  }
  const branches: PlanBranch[] = []
  for (const path of paths) {
    const segments = path.split('.')
    if (segments.length > readLimits.expandDepth) {
      throw invalidExpand(`\`${path}\` is deeper than ${readLimits.expandDepth}.`)
    }
    let from = root
    let siblings = branches
    segments.forEach((segment, index) => {
      const dotted = segments.slice(0, index + 1).join('.')
      let branch = siblings.find((candidate) => candidate.key === segment)
      if (!branch) {
        if (!/^[A-Za-z]+$/.test(segment)) throw invalidExpand(`Unknown relation \`${dotted}\`.`)
        const { edge, node } = authorizeEdgeOr400(principal, from, segment, dotted)
        branch = {
          key: segment,
          from,
          edgeName: segment,
          edge,
          node,
          limit: readLimits.nestedPage,
          filters: [],
          params: {},
          children: [],
          path: dotted,
        }
        siblings.push(branch)
      }
      from = branch.node.name
      siblings = branch.children
    })
  }
  if (roots + rowsOf(branches, roots) > readLimits.graphqlCost) {
    throw invalidExpand(
      `The expansions may read more than ${readLimits.graphqlCost} rows (each nested list counts ` +
        `${readLimits.nestedPage} per parent): ask for a smaller \`limit\` or fewer nested lists.`,
    )
  }
  return branches
}

/** authorizeEdge, with an unknown relation reported as the query's error (`expand`). */
function authorizeEdgeOr400(principal: Principal, from: ReadNodeName, segment: string, dotted: string) {
  try {
    return authorizeEdge(principal, from, segment, dotted)
  } catch (error) {
    if (error instanceof ApiError && error.status === 400)
      throw invalidExpand(`Unknown relation \`${dotted}\`.`)
    throw error
  }
}

/** GET one with `expand`: the resource (404 as without expand) and its expansions, one round trip. */
async function readOneExpanded(
  db: TenantDb,
  principal: Principal,
  node: ReadNode,
  id: string,
  expand: string,
) {
  const children = expandBranches(principal, node.name, expand)
  const [result] = await readPlans(db, principal, [{ node, kind: 'one', id, children }])
  const row = foundOr404(result?.rows ?? [], node.name.toLowerCase())
  return { body: result?.items[0] as Record<string, unknown>, row }
}

type ListQuery = { limit: number; cursor?: string | undefined } & Record<string, unknown>

/** A list with `expand`: the page the list route gives for `query` (its filters, sort, cursor), expanded. */
async function readListExpanded(
  db: TenantDb,
  principal: Principal,
  node: ReadNode,
  query: ListQuery,
  expand: string,
) {
  const children = expandBranches(principal, node.name, expand, query.limit)
  const [result] = await readPlans(db, principal, [listRoot(node, query, principal, children)])
  return { data: result?.items ?? [], nextCursor: result?.nextCursor ?? null }
}

/**
 * What an expandable list route answers: with `expand`, the expanded page (one statement through the read planner);
 * without, the resource's own list with each row in the caller's representation. The expanded items are that same
 * representation with the expansions added, so they are typed as `Item`.
 */
export async function listOrExpand<Row, Item>(
  db: TenantDb,
  principal: Principal,
  node: ReadNode,
  query: ListQuery & { expand?: string | undefined },
  list: () => Promise<{ data: Row[]; nextCursor: string | null }>,
  represent: (row: Row) => Item,
): Promise<{ data: Item[]; nextCursor: string | null }> {
  if (query.expand !== undefined) {
    const page = await readListExpanded(db, principal, node, query, query.expand)
    return page as { data: Item[]; nextCursor: string | null }
  }
  const page = await list()
  return { data: page.data.map(represent), nextCursor: page.nextCursor }
}

/** What an expandable GET answers, and its ETag (the resource's version either way): as listOrExpand. */
export async function getOrExpand<Row extends { version: number }, Item>(
  db: TenantDb,
  principal: Principal,
  node: ReadNode,
  id: string,
  expand: string | undefined,
  get: (id: string) => Promise<Row>,
  represent: (row: Row) => Item,
): Promise<{ body: Item; etag: string }> {
  if (expand !== undefined) {
    const read = await readOneExpanded(db, principal, node, id, expand)
    return { body: read.body as Item, etag: etagOf(read.row as { version: number }) }
  }
  const row = await get(id)
  return { body: represent(row), etag: etagOf(row) }
}

export { readNodes }
