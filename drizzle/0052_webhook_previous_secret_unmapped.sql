-- Contract step of 0049 (expand, then contract), first half: src/db/schema/webhooks.ts no longer declares
-- webhook_endpoints.previous_secret and previous_secret_expires_at (emptied by 0049, neither read nor written since),
-- so this release's Worker never names them. drizzle-kit generated DROP COLUMN for both; they are NOT dropped here:
-- between this migration and this release's deploy, the previous Worker still serves and selects every column its
-- drizzle table declared, these two included, so dropping them now would fail its every webhook endpoint read. The
-- next release's migration drops them, once no deployed Worker names them:
--   ALTER TABLE "webhook_endpoints" DROP COLUMN IF EXISTS "previous_secret";
--   ALTER TABLE "webhook_endpoints" DROP COLUMN IF EXISTS "previous_secret_expires_at";
-- (a custom migration: the snapshot of this one already lacks them, so drizzle-kit will not generate it). Until then
-- the columns say so in the catalog.
COMMENT ON COLUMN "webhook_endpoints"."previous_secret" IS 'Unused since 0049 (see previous_secrets); dropped by the migration after 0052.';--> statement-breakpoint
COMMENT ON COLUMN "webhook_endpoints"."previous_secret_expires_at" IS 'Unused since 0049 (see previous_secrets); dropped by the migration after 0052.';
