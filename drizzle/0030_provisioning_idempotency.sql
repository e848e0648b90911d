-- Custom migration: an Idempotency-Key on POST /v1/organizations (provisioning; src/resources/organizations/
-- organizations.data.ts). A key is claimed first in its request's batch (app_claim_idempotency_key, 0009), so a
-- concurrent duplicate waits on the key's row and then replays the first; a provisioning's key row belongs to the
-- organization the same batch creates after the claim, which does not exist yet when the row is inserted. The
-- row's foreign key to its organization is therefore checked at COMMIT (DEFERRABLE INITIALLY DEFERRED), when the
-- organization exists or the transaction rolls back. Nothing else changes: every other claim's organization already
-- exists (app_begin_request checked it), and ON DELETE CASCADE still acts at once (referential actions are never
-- deferred). Runs as the migration owner. Idempotent.
ALTER TABLE public.idempotency_keys
  ALTER CONSTRAINT idempotency_keys_organization_fk DEFERRABLE INITIALLY DEFERRED;
