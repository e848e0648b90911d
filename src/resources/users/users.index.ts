import { users } from '../../db/schema'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { represent, type Viewer } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import * as data from './users.data'
import * as routes from './users.routes'
import { UserSchema } from './users.schemas'

export const toUser = (row: data.UserRow, viewer: Viewer) => represent(UserSchema, row, viewer)

export const usersRouter = createRouter()
  .openapi(routes.listUsers, async (c) => {
    const { db, principal } = authorized(c)
    const page = await data.listUsers(db, c.req.valid('query'))
    return c.json({ data: page.data.map((row) => toUser(row, principal)), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.getUser, async (c) => {
    const { db, principal } = authorized(c)
    const user = await data.getUser(db, c.req.valid('param').userId)
    return c.json(toUser(user, principal), 200, { ETag: etagOf(user) })
  })
  .openapi(routes.createUser, async (c) => {
    const { db, principal } = authorized(c)
    const user = await data.createUser(db, c.req.valid('json'), db.expectCreated(users, '/v1/users'))
    return c.json(toUser(user, principal), 201, { ETag: etagOf(user), Location: `/v1/users/${user.id}` })
  })
  .openapi(routes.updateUser, async (c) => {
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const { db, principal } = authorized(c)
    const { userId } = c.req.valid('param')
    db.expectChanged(users, `/v1/users/${userId}`, userId)
    const user = await data.updateUser(db, userId, c.req.valid('json'), versions)
    return c.json(toUser(user, principal), 200, { ETag: etagOf(user) })
  })
