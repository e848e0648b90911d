-- refunds_total_amount sums a period's approved refunds, each up to 9,999,999,999.99: numeric(12,2) overflowed with
-- the second maximal one (22003), failing that tenant's metrics computation (cron and POST /v1/metrics/recompute)
-- every time. 20 digits before the point hold any sum of 2^31 - 1 refunds (refunds_count is an integer). Only the
-- precision grows, the scale stays: no value changes.
ALTER TABLE "performance_metrics" ALTER COLUMN "refunds_total_amount" SET DATA TYPE numeric(22, 2);--> statement-breakpoint
ALTER TABLE "performance_metrics" ALTER COLUMN "refunds_total_amount" SET DEFAULT '0.00';