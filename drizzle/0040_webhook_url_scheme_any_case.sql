-- A URL's scheme is case-insensitive (RFC 3986 §3.1): `HTTPS://hooks.example.com/` passed every rule of the API and
-- was then refused by this check as a CONSTRAINT_VIOLATION without a field. The check now ignores case. Every stored
-- URL satisfied the old check, so it satisfies this one. Dropped and re-added in one ALTER TABLE. Idempotent.
ALTER TABLE "webhook_endpoints"
  DROP CONSTRAINT IF EXISTS "webhook_endpoints_url_scheme",
  ADD CONSTRAINT "webhook_endpoints_url_scheme" CHECK (url ~* '^https?://');
