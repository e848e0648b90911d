-- recorded_at at millisecond precision, as created_at/updated_at (src/db/schema/helpers.ts): the usage list's keyset
-- cursor carries a JavaScript Date, so a microsecond value never compared equal to its own cursor (sort=recordedAt
-- repeated the page's last row forever; -recordedAt skipped rows of the same millisecond). Existing values are rounded.
ALTER TABLE "budget_usage_records" ALTER COLUMN "recorded_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "budget_usage_records" ALTER COLUMN "recorded_at" SET DEFAULT now();