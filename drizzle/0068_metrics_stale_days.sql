CREATE TABLE "metrics_stale_days" (
	"organization_id" uuid NOT NULL,
	"day" date NOT NULL,
	CONSTRAINT "metrics_stale_days_pkey" PRIMARY KEY("organization_id","day")
);
--> statement-breakpoint
ALTER TABLE "metrics_stale_days" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "metrics_stale_days" ADD CONSTRAINT "metrics_stale_days_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "metrics_stale_days" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));