import { z } from '@hono/zod-openapi'
import { principalRoles } from '../../auth/principal'
import { nullableRef } from '../../lib/schemas'
import { AgentSchema } from '../agents/agents.schemas'
import { CustomerProfileSchema } from '../customers/customers.schemas'
import { RepresentativeSchema } from '../representatives/representatives.schemas'
import { UserSchema } from '../users/users.schemas'

/** The caller: a user with its profiles, or (role AGENT) the agent configuration. */
export const MeSchema = z
  .object({
    role: z.enum(principalRoles),
    user: UserSchema.omit({ representativeId: true }).nullable(),
    representative: RepresentativeSchema.omit({ name: true, email: true, isActive: true }).nullable(),
    customerProfile: nullableRef(CustomerProfileSchema),
    agent: nullableRef(AgentSchema),
  })
  .openapi('Me')
