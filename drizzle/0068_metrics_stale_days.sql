CREATE TABLE "metrics_stale_days" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "metrics_stale_days_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"organization_id" uuid NOT NULL,
	"day" date NOT NULL
);
--> statement-breakpoint
ALTER TABLE "metrics_stale_days" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "metrics_stale_days" ADD CONSTRAINT "metrics_stale_days_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "metrics_stale_days_organization_id_day_idx" ON "metrics_stale_days" USING btree ("organization_id","day");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "metrics_stale_days" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));