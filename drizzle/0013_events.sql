CREATE TABLE "events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"ordinal" bigint GENERATED ALWAYS AS IDENTITY (sequence name "events_ordinal_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"object_type" text NOT NULL,
	"object_id" uuid NOT NULL,
	"object" jsonb NOT NULL,
	"previous" jsonb,
	"actor_type" text NOT NULL,
	"actor_role" text,
	"actor_id" uuid,
	"request_id" text,
	"idempotency_key" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_type_known" CHECK (type in ('organization.created', 'organization.updated', 'organization.status_changed', 'user.created', 'user.updated', 'user.deleted', 'representative.created', 'representative.updated', 'representative.status_changed', 'representative.deleted', 'customer.created', 'customer.updated', 'customer.deleted', 'agent.created', 'agent.updated', 'agent.status_changed', 'agent.deleted', 'decision_rule.created', 'decision_rule.updated', 'decision_rule.deleted', 'ticket.created', 'ticket.updated', 'ticket.status_changed', 'ticket.assigned', 'ticket.unassigned', 'ticket.deleted', 'escalation.created', 'escalation.updated', 'escalation.assigned', 'escalation.unassigned', 'escalation.started', 'escalation.resolved', 'escalation.cancelled', 'escalation.deleted', 'refund.created', 'refund.updated', 'refund.approved', 'refund.rejected', 'refund.cancelled', 'refund.processed', 'refund.deleted', 'budget.created', 'budget.updated', 'budget.deleted', 'budget_usage.created', 'budget_usage.updated', 'budget_usage.deleted', 'message.created', 'message.updated', 'message.redacted', 'message.deleted')),
	CONSTRAINT "events_object_type_known" CHECK (object_type in ('organization', 'user', 'representative', 'customer', 'agent', 'decision_rule', 'ticket', 'escalation', 'refund', 'budget', 'budget_usage', 'message')),
	CONSTRAINT "events_type_of_object" CHECK (split_part(type, '.', 1) = object_type),
	CONSTRAINT "events_actor_type_known" CHECK (actor_type in ('USER', 'AGENT', 'SYSTEM', 'PLATFORM')),
	CONSTRAINT "events_object_is_object" CHECK (jsonb_typeof(object) = 'object')
);
--> statement-breakpoint
ALTER TABLE "events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_organization_id_created_at_ordinal_idx" ON "events" USING btree ("organization_id","created_at","ordinal");--> statement-breakpoint
CREATE INDEX "events_organization_id_object_type_created_at_ordinal_idx" ON "events" USING btree ("organization_id","object_type","created_at","ordinal");--> statement-breakpoint
CREATE INDEX "events_organization_id_object_id_created_at_ordinal_idx" ON "events" USING btree ("organization_id","object_id","created_at","ordinal");--> statement-breakpoint
CREATE INDEX "events_created_at_idx" ON "events" USING btree ("created_at");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "events" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "no_customer_reads" ON "events" AS RESTRICTIVE FOR SELECT TO public USING ((select nullif(current_setting('app.principal_role', true), '')) is distinct from 'CUSTOMER');