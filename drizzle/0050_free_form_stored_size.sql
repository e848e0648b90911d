-- PATCH now merges a customer's `context` and `preferences` and an agent's `settings` (and `thresholds`) with
-- app_json_merge_patch (migration 0047), as it does the organization's settings: each body's 16 KiB no longer
-- bounds the stored object, so each holds at most 32 KiB as jsonb renders it (MAX_STORED_FREE_FORM_BYTES,
-- storedSizeCheck in src/db/schema/helpers.ts; a violation is 422 on the field). Like 0046, fails on a database
-- that already holds a larger object (only numbers with large exponents, which jsonb spells out, could make one):
-- find them with `select id from customer_profiles where octet_length(context::text) > 32768
-- or octet_length(preferences::text) > 32768` (and agent_configurations' settings) and shrink them first.
ALTER TABLE "agent_configurations" ADD CONSTRAINT "agent_configurations_settings_size" CHECK (octet_length(settings::text) <= 32768);--> statement-breakpoint
ALTER TABLE "customer_profiles" ADD CONSTRAINT "customer_profiles_context_size" CHECK (octet_length(context::text) <= 32768);--> statement-breakpoint
ALTER TABLE "customer_profiles" ADD CONSTRAINT "customer_profiles_preferences_size" CHECK (octet_length(preferences::text) <= 32768);
