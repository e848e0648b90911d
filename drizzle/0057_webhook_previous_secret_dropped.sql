-- Contract step of 0049 (expand, then contract), second half: 0052's release stopped naming
-- webhook_endpoints.previous_secret and previous_secret_expires_at (emptied by 0049) and kept them for the Worker it
-- replaced, which selected them until that release was deployed. No deployed Worker names them now, so they go.
-- Hand-written (drizzle-kit generate --custom): 0052's snapshot already lacks them, so drizzle-kit sees no change.
-- DROP COLUMN only marks the column dropped in the catalog (no table rewrite): a brief ACCESS EXCLUSIVE lock.
ALTER TABLE "webhook_endpoints" DROP COLUMN IF EXISTS "previous_secret";--> statement-breakpoint
ALTER TABLE "webhook_endpoints" DROP COLUMN IF EXISTS "previous_secret_expires_at";
