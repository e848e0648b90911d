-- Every secret rotated out within its 24 hours keeps signing until its own expiry (previously one slot,
-- previous_secret, so a second rotation ended the first one's overlap at once). previous_secrets holds them newest
-- first as [{secret, expiresAt}]; at most 4 (src/webhooks/signature.ts WEBHOOK_MAX_PREVIOUS_SECRETS, which refuses a
-- fifth with 409 before this check would). An existing row keeps its previous secret and expiry (an expired one too:
-- it signs nothing, and the representation's previousSecretExpiresAt keeps its value). Idempotent.
-- previous_secret and previous_secret_expires_at are left in place, unused: the Worker still serving between
-- `migrate` and `deploy` selects them (expand, then contract; a later migration drops them).
ALTER TABLE "webhook_endpoints" ADD COLUMN IF NOT EXISTS "previous_secrets" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public'
      AND table_name = 'webhook_endpoints' AND column_name = 'previous_secret') THEN
    -- As the owner: not subject to RLS. No version bump: the secrets and expiry are the same, only stored anew.
    -- The old slot is emptied as it is moved, so a second run cannot bring back a secret revoked since.
    UPDATE public.webhook_endpoints
    SET previous_secrets = pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
      'secret', previous_secret, 'expiresAt', previous_secret_expires_at)),
      previous_secret = NULL, previous_secret_expires_at = NULL
    WHERE previous_secret IS NOT NULL AND previous_secret_expires_at IS NOT NULL;
  END IF;
END
$$;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" DROP CONSTRAINT IF EXISTS "webhook_endpoints_previous_secrets_bound";--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_previous_secrets_bound" CHECK (jsonb_typeof(previous_secrets) = 'array' and jsonb_array_length(previous_secrets) <= 4);
