/**
 * The local development credentials: what `npm run dev` gives `wrangler dev` when the environment sets none, and
 * what `npm run token` signs with when neither the environment nor `.dev.vars` names a secret (a fresh clone). One
 * definition, so the two always agree. Local only: deployments get theirs from `wrangler secret put`.
 */
export const DEV_AUTH_JWT_SECRET = 'dev-secret-change-me-at-least-32-characters'
export const DEV_PLATFORM_API_KEY = 'dev-platform-key'
