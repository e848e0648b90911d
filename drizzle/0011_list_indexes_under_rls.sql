DROP INDEX "agent_configurations_organization_id_status_created_at_id_idx";--> statement-breakpoint
DROP INDEX "agent_configurations_organization_id_type_created_at_id_idx";--> statement-breakpoint
DROP INDEX "customer_profiles_organization_id_account_tier_created_at_id_idx";--> statement-breakpoint
DROP INDEX "customer_profiles_organization_id_account_standing_created_at_id_idx";--> statement-breakpoint
DROP INDEX "representatives_organization_id_status_created_at_id_idx";--> statement-breakpoint
DROP INDEX "representatives_organization_id_role_created_at_id_idx";--> statement-breakpoint
DROP INDEX "tickets_organization_id_status_created_at_id_idx";--> statement-breakpoint
DROP INDEX "tickets_organization_id_priority_created_at_id_idx";--> statement-breakpoint
DROP INDEX "tickets_organization_id_category_created_at_id_idx";--> statement-breakpoint
DROP INDEX "users_organization_id_role_created_at_id_idx";--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "priority_level" integer GENERATED ALWAYS AS (case priority when 'URGENT' then 4 when 'HIGH' then 3 when 'MEDIUM' then 2 else 1 end) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "agent_configurations_status_active_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id") WHERE status = 'ACTIVE';--> statement-breakpoint
CREATE INDEX "agent_configurations_status_paused_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id") WHERE status = 'PAUSED';--> statement-breakpoint
CREATE INDEX "agent_configurations_status_disabled_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id") WHERE status = 'DISABLED';--> statement-breakpoint
CREATE INDEX "agent_configurations_status_testing_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id") WHERE status = 'TESTING';--> statement-breakpoint
CREATE INDEX "agent_configurations_type_triage_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id") WHERE type = 'TRIAGE';--> statement-breakpoint
CREATE INDEX "agent_configurations_type_customer_service_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id") WHERE type = 'CUSTOMER_SERVICE';--> statement-breakpoint
CREATE INDEX "agent_configurations_type_refund_processor_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id") WHERE type = 'REFUND_PROCESSOR';--> statement-breakpoint
CREATE INDEX "agent_configurations_type_escalation_manager_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id") WHERE type = 'ESCALATION_MANAGER';--> statement-breakpoint
CREATE INDEX "agent_configurations_type_quality_assurance_idx" ON "agent_configurations" USING btree ("organization_id","created_at","id") WHERE type = 'QUALITY_ASSURANCE';--> statement-breakpoint
CREATE INDEX "customer_profiles_tier_basic_idx" ON "customer_profiles" USING btree ("organization_id","created_at","id") WHERE account_tier = 'BASIC';--> statement-breakpoint
CREATE INDEX "customer_profiles_tier_standard_idx" ON "customer_profiles" USING btree ("organization_id","created_at","id") WHERE account_tier = 'STANDARD';--> statement-breakpoint
CREATE INDEX "customer_profiles_tier_premium_idx" ON "customer_profiles" USING btree ("organization_id","created_at","id") WHERE account_tier = 'PREMIUM';--> statement-breakpoint
CREATE INDEX "customer_profiles_tier_vip_idx" ON "customer_profiles" USING btree ("organization_id","created_at","id") WHERE account_tier = 'VIP';--> statement-breakpoint
CREATE INDEX "customer_profiles_standing_good_idx" ON "customer_profiles" USING btree ("organization_id","created_at","id") WHERE account_standing = 'GOOD';--> statement-breakpoint
CREATE INDEX "customer_profiles_standing_warning_idx" ON "customer_profiles" USING btree ("organization_id","created_at","id") WHERE account_standing = 'WARNING';--> statement-breakpoint
CREATE INDEX "customer_profiles_standing_restricted_idx" ON "customer_profiles" USING btree ("organization_id","created_at","id") WHERE account_standing = 'RESTRICTED';--> statement-breakpoint
CREATE INDEX "customer_profiles_standing_suspended_idx" ON "customer_profiles" USING btree ("organization_id","created_at","id") WHERE account_standing = 'SUSPENDED';--> statement-breakpoint
CREATE INDEX "representatives_status_online_idx" ON "representatives" USING btree ("organization_id","created_at","id") WHERE status = 'ONLINE';--> statement-breakpoint
CREATE INDEX "representatives_status_away_idx" ON "representatives" USING btree ("organization_id","created_at","id") WHERE status = 'AWAY';--> statement-breakpoint
CREATE INDEX "representatives_status_busy_idx" ON "representatives" USING btree ("organization_id","created_at","id") WHERE status = 'BUSY';--> statement-breakpoint
CREATE INDEX "representatives_status_offline_idx" ON "representatives" USING btree ("organization_id","created_at","id") WHERE status = 'OFFLINE';--> statement-breakpoint
CREATE INDEX "representatives_role_agent_idx" ON "representatives" USING btree ("organization_id","created_at","id") WHERE role = 'AGENT';--> statement-breakpoint
CREATE INDEX "representatives_role_senior_agent_idx" ON "representatives" USING btree ("organization_id","created_at","id") WHERE role = 'SENIOR_AGENT';--> statement-breakpoint
CREATE INDEX "representatives_role_supervisor_idx" ON "representatives" USING btree ("organization_id","created_at","id") WHERE role = 'SUPERVISOR';--> statement-breakpoint
CREATE INDEX "representatives_role_manager_idx" ON "representatives" USING btree ("organization_id","created_at","id") WHERE role = 'MANAGER';--> statement-breakpoint
CREATE INDEX "tickets_organization_id_updated_at_id_idx" ON "tickets" USING btree ("organization_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "tickets_organization_id_priority_level_created_at_id_idx" ON "tickets" USING btree ("organization_id","priority_level","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_status_open_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE status = 'OPEN';--> statement-breakpoint
CREATE INDEX "tickets_status_in_progress_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE status = 'IN_PROGRESS';--> statement-breakpoint
CREATE INDEX "tickets_status_waiting_on_customer_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE status = 'WAITING_ON_CUSTOMER';--> statement-breakpoint
CREATE INDEX "tickets_status_resolved_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE status = 'RESOLVED';--> statement-breakpoint
CREATE INDEX "tickets_status_closed_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE status = 'CLOSED';--> statement-breakpoint
CREATE INDEX "tickets_category_technical_issue_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE category = 'TECHNICAL_ISSUE';--> statement-breakpoint
CREATE INDEX "tickets_category_billing_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE category = 'BILLING';--> statement-breakpoint
CREATE INDEX "tickets_category_account_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE category = 'ACCOUNT';--> statement-breakpoint
CREATE INDEX "tickets_category_refund_request_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE category = 'REFUND_REQUEST';--> statement-breakpoint
CREATE INDEX "tickets_category_product_question_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE category = 'PRODUCT_QUESTION';--> statement-breakpoint
CREATE INDEX "tickets_category_feature_request_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE category = 'FEATURE_REQUEST';--> statement-breakpoint
CREATE INDEX "tickets_category_complaint_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE category = 'COMPLAINT';--> statement-breakpoint
CREATE INDEX "tickets_category_other_idx" ON "tickets" USING btree ("organization_id","created_at","id") WHERE category = 'OTHER';--> statement-breakpoint
CREATE INDEX "tickets_open_queue_idx" ON "tickets" USING btree ("organization_id","assigned_representative_id","priority_level","created_at","id") WHERE status in ('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER');--> statement-breakpoint
CREATE INDEX "users_role_customer_idx" ON "users" USING btree ("organization_id","created_at","id") WHERE role = 'CUSTOMER';--> statement-breakpoint
CREATE INDEX "users_role_representative_idx" ON "users" USING btree ("organization_id","created_at","id") WHERE role = 'REPRESENTATIVE';--> statement-breakpoint
CREATE INDEX "users_role_admin_idx" ON "users" USING btree ("organization_id","created_at","id") WHERE role = 'ADMIN';