-- Customer satisfaction (CSAT): a ticket's customer rates it 1..5 with an optional comment once it is RESOLVED or
-- CLOSED (PUT /v1/tickets/{ticketId}/satisfaction; a new rating replaces the old one). The metrics rows keep the
-- additive sums behind csat_score (ratings given in the period, those of 4 or 5), so QUARTER and YEAR rows are
-- summed from MONTH rows like the sums of 0051. New columns are NULL / default 0: no rewrite, no backfill (no
-- rating existed before this migration). The tickets CHECKs read the table once under its lock (every row passes:
-- the columns are new and null). No index: the metrics computation reads a tenant's tickets through its
-- organization index and filters the event columns, the rating's among them.
ALTER TABLE "performance_metrics" ADD COLUMN "rated_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD COLUMN "satisfied_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "team_performance" ADD COLUMN "rated_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "team_performance" ADD COLUMN "satisfied_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "satisfaction_rating" smallint;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "satisfaction_comment" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "satisfaction_rated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD CONSTRAINT "performance_metrics_csat_counts" CHECK (satisfied_count >= 0 and satisfied_count <= rated_count);--> statement-breakpoint
ALTER TABLE "team_performance" ADD CONSTRAINT "team_performance_csat_counts" CHECK (satisfied_count >= 0 and satisfied_count <= rated_count);--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_satisfaction_rating_range" CHECK (satisfaction_rating between 1 and 5);--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_satisfaction_comment_length" CHECK (char_length(satisfaction_comment) <= 1000);--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_satisfaction_rated" CHECK ((satisfaction_rating is null) = (satisfaction_rated_at is null)
        and (satisfaction_comment is null or satisfaction_rating is not null));