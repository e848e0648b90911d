ALTER TABLE "performance_metrics" DROP CONSTRAINT "performance_metrics_rates_range";--> statement-breakpoint
DROP INDEX "escalations_organization_id_status_created_at_id_idx";--> statement-breakpoint
DROP INDEX "escalations_organization_id_ticket_id_idx";--> statement-breakpoint
DROP INDEX "escalations_organization_id_agent_configuration_id_idx";--> statement-breakpoint
DROP INDEX "escalations_organization_id_assignee_created_at_id_idx";--> statement-breakpoint
ALTER TABLE "performance_metrics" ALTER COLUMN "escalation_rate" SET DATA TYPE numeric(9, 4);--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD COLUMN "refunds_by_currency" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "priority_rank" integer GENERATED ALWAYS AS (case priority when 'CRITICAL' then 1 when 'HIGH' then 2 when 'MEDIUM' then 3 else 4 end) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "escalations_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id");--> statement-breakpoint
CREATE INDEX "escalations_status_queue_idx" ON "escalations" USING btree ("organization_id","status","priority_rank","created_at","id");--> statement-breakpoint
CREATE INDEX "escalations_reason_queue_idx" ON "escalations" USING btree ("organization_id","reason","priority_rank","created_at","id");--> statement-breakpoint
CREATE INDEX "escalations_ticket_id_queue_idx" ON "escalations" USING btree ("organization_id","ticket_id","priority_rank","created_at","id");--> statement-breakpoint
CREATE INDEX "escalations_agent_configuration_id_queue_idx" ON "escalations" USING btree ("organization_id","agent_configuration_id","priority_rank","created_at","id");--> statement-breakpoint
CREATE INDEX "escalations_assigned_representative_id_queue_idx" ON "escalations" USING btree ("organization_id","assigned_representative_id","priority_rank","created_at","id");--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD CONSTRAINT "performance_metrics_refunds_by_currency_is_array" CHECK (jsonb_typeof(refunds_by_currency) = 'array');--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD CONSTRAINT "performance_metrics_rates_range" CHECK (escalation_rate >= 0 and ai_resolution_rate >= 0 and ai_resolution_rate <= 1);