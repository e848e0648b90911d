-- A budget spans at most one period of its kind (budgetPeriodMaxDays, src/db/schema/finance.ts); settings hold at
-- most 32 KiB as jsonb renders them (MAX_STORED_SETTINGS_BYTES). Fails on a database that already holds a longer
-- budget (shorten or re-type it first) or larger settings.
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_period_length" CHECK (period_end - period_start < case period when 'DAILY' then 1 when 'WEEKLY' then 7 when 'MONTHLY' then 31 when 'QUARTERLY' then 92 when 'YEARLY' then 366 end);--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_settings_size" CHECK (octet_length(settings::text) <= 32768);