-- The metrics computation (cron, queue, POST /v1/metrics/recompute) reads the tenant's tickets with an event in its
-- span: created, first-responded, resolved, closed or rated in it. Only created_at had an index, so the read scanned
-- every ticket of the tenant and filtered the OR: its cost grew with the tenant's whole history. One partial index per
-- other event column (null until the event, hence partial) lets the planner read exactly those tickets (a BitmapOr of
-- the five range reads; the span's bounds are timestamptz comparisons, LEAKPROOF, so they stay index conditions under
-- RLS). `npm run bench:metrics` (README): 700,000 tickets over two years, one cron computation reads 69,015 tickets
-- instead of 700,000. Cost: each CREATE INDEX reads the whole tickets table and blocks writes to it while it builds
-- (seconds at 10⁶ rows); a ticket write then maintains up to four more index entries.
CREATE INDEX "tickets_organization_id_first_response_at_idx" ON "tickets" USING btree ("organization_id","first_response_at") WHERE first_response_at is not null;--> statement-breakpoint
CREATE INDEX "tickets_organization_id_resolved_at_idx" ON "tickets" USING btree ("organization_id","resolved_at") WHERE resolved_at is not null;--> statement-breakpoint
CREATE INDEX "tickets_organization_id_closed_at_idx" ON "tickets" USING btree ("organization_id","closed_at") WHERE closed_at is not null;--> statement-breakpoint
CREATE INDEX "tickets_organization_id_satisfaction_rated_at_idx" ON "tickets" USING btree ("organization_id","satisfaction_rated_at") WHERE satisfaction_rated_at is not null;