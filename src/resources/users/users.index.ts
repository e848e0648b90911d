import { users } from '../../db/schema'
import { etagOf, ifMatchVersions } from '../../lib/etag'
import { createRouter } from '../../lib/openapi'
import { represent } from '../../lib/representation'
import { authorized } from '../../middleware/authorize'
import * as data from './users.data'
import * as routes from './users.routes'
import { UserSchema } from './users.schemas'

const toUser = (row: data.UserRow) => represent(UserSchema, row)

export const usersRouter = createRouter()
  .openapi(routes.listUsers, async (c) => {
    const page = await data.listUsers(authorized(c).db, c.req.valid('query'))
    return c.json({ data: page.data.map(toUser), nextCursor: page.nextCursor }, 200)
  })
  .openapi(routes.getUser, async (c) => {
    const user = await data.getUser(authorized(c).db, c.req.valid('param').userId)
    return c.json(toUser(user), 200, { ETag: etagOf(user) })
  })
  .openapi(routes.createUser, async (c) => {
    const { db } = authorized(c)
    const user = await data.createUser(db, c.req.valid('json'), db.expectCreated(users, '/v1/users'))
    return c.json(toUser(user), 201, { ETag: etagOf(user), Location: `/v1/users/${user.id}` })
  })
  .openapi(routes.updateUser, async (c) => {
    const versions = ifMatchVersions(c.req.valid('header')['if-match'])
    const user = await data.updateUser(
      authorized(c).db,
      c.req.valid('param').userId,
      c.req.valid('json'),
      versions,
    )
    return c.json(toUser(user), 200, { ETag: etagOf(user) })
  })
