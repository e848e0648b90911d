DROP INDEX "customer_profiles_organization_id_account_tier_idx";--> statement-breakpoint
DROP INDEX "representatives_organization_id_status_idx";--> statement-breakpoint
CREATE INDEX "agent_configurations_organization_id_created_at_id_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "agent_configurations_organization_id_type_created_at_id_idx" ON "agent_configurations" USING btree ("organization_id","type","created_at","id");--> statement-breakpoint
CREATE INDEX "customer_profiles_organization_id_created_at_id_idx" ON "customer_profiles" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "customer_profiles_organization_id_account_tier_created_at_id_idx" ON "customer_profiles" USING btree ("organization_id","account_tier","created_at","id");--> statement-breakpoint
CREATE INDEX "customer_profiles_organization_id_account_standing_created_at_id_idx" ON "customer_profiles" USING btree ("organization_id","account_standing","created_at","id");--> statement-breakpoint
CREATE INDEX "representatives_organization_id_created_at_id_idx" ON "representatives" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "representatives_organization_id_status_created_at_id_idx" ON "representatives" USING btree ("organization_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "representatives_organization_id_role_created_at_id_idx" ON "representatives" USING btree ("organization_id","role","created_at","id");--> statement-breakpoint
CREATE INDEX "representatives_skills_idx" ON "representatives" USING gin ("skills" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "representatives_languages_idx" ON "representatives" USING gin ("languages" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "users_organization_id_is_active_created_at_id_idx" ON "users" USING btree ("organization_id","is_active","created_at","id");--> statement-breakpoint
CREATE INDEX "users_organization_id_email_pattern_idx" ON "users" USING btree ("organization_id","email" text_pattern_ops);