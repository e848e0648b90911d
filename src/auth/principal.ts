/** Roles a verified access token can carry (`role` claim). AGENT is an AI agent acting for the organization. */
export const principalRoles = ['CUSTOMER', 'REPRESENTATIVE', 'ADMIN', 'AGENT'] as const

export type PrincipalRole = (typeof principalRoles)[number]

/** The authenticated caller, derived only from verified token claims. */
export interface Principal {
  /** User id (uuid), or the agent configuration id for AGENT. */
  subject: string
  /** Tenant of every query this request makes (uuid). */
  organizationId: string
  role: PrincipalRole
  /** The token's `iat` (seconds since the epoch), if any: the user's last login (app_begin_request). */
  issuedAt?: number | undefined
}
