ALTER TABLE "refunds" ADD COLUMN "requested_by_role" text DEFAULT 'ADMIN' NOT NULL;--> statement-breakpoint
ALTER TABLE "refunds" ADD COLUMN "requested_by_id" uuid;--> statement-breakpoint
ALTER TABLE "refunds" ADD COLUMN "decision" jsonb;--> statement-breakpoint
CREATE INDEX "refunds_organization_id_reason_created_at_id_idx" ON "refunds" USING btree ("organization_id","reason","created_at","id");--> statement-breakpoint
CREATE INDEX "refunds_organization_id_currency_created_at_id_idx" ON "refunds" USING btree ("organization_id","currency","created_at","id");--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_organization_id_name_period_start_key" UNIQUE("organization_id","name","period_start");--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_requested_by_role_known" CHECK (requested_by_role in ('CUSTOMER', 'REPRESENTATIVE', 'ADMIN', 'AGENT'));--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_decision_is_object" CHECK (decision is null or jsonb_typeof(decision) = 'object');