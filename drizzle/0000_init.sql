CREATE TYPE "public"."account_standing" AS ENUM('GOOD', 'WARNING', 'RESTRICTED', 'SUSPENDED');--> statement-breakpoint
CREATE TYPE "public"."account_tier" AS ENUM('BASIC', 'STANDARD', 'PREMIUM', 'VIP');--> statement-breakpoint
CREATE TYPE "public"."agent_status" AS ENUM('ACTIVE', 'PAUSED', 'DISABLED', 'TESTING');--> statement-breakpoint
CREATE TYPE "public"."agent_type" AS ENUM('TRIAGE', 'CUSTOMER_SERVICE', 'REFUND_PROCESSOR', 'ESCALATION_MANAGER', 'QUALITY_ASSURANCE');--> statement-breakpoint
CREATE TYPE "public"."budget_period" AS ENUM('DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'YEARLY');--> statement-breakpoint
CREATE TYPE "public"."budget_type" AS ENUM('REFUNDS', 'COMPENSATION', 'AI_OPERATIONS');--> statement-breakpoint
CREATE TYPE "public"."decision_rule_action" AS ENUM('AUTO_APPROVE', 'AUTO_REJECT', 'REQUIRE_APPROVAL', 'ESCALATE');--> statement-breakpoint
CREATE TYPE "public"."escalation_priority" AS ENUM('LOW', 'MEDIUM', 'HIGH', 'CRITICAL');--> statement-breakpoint
CREATE TYPE "public"."escalation_reason" AS ENUM('CUSTOMER_REQUEST', 'LOW_CONFIDENCE', 'HIGH_VALUE_CUSTOMER', 'NEGATIVE_SENTIMENT', 'COMPLEX_ISSUE', 'POLICY_EXCEPTION', 'REFUND_OVER_LIMIT');--> statement-breakpoint
CREATE TYPE "public"."escalation_status" AS ENUM('PENDING', 'ASSIGNED', 'IN_PROGRESS', 'RESOLVED', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "public"."metric_period" AS ENUM('DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR');--> statement-breakpoint
CREATE TYPE "public"."organization_plan" AS ENUM('FREE', 'STARTER', 'PROFESSIONAL', 'ENTERPRISE');--> statement-breakpoint
CREATE TYPE "public"."organization_status" AS ENUM('TRIAL', 'ACTIVE', 'SUSPENDED', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "public"."performance_trend" AS ENUM('IMPROVING', 'STABLE', 'DECLINING');--> statement-breakpoint
CREATE TYPE "public"."refund_reason" AS ENUM('DEFECTIVE_PRODUCT', 'NOT_AS_DESCRIBED', 'LATE_DELIVERY', 'DUPLICATE_CHARGE', 'SERVICE_OUTAGE', 'CUSTOMER_DISSATISFACTION', 'OTHER');--> statement-breakpoint
CREATE TYPE "public"."refund_status" AS ENUM('PENDING', 'APPROVED', 'REJECTED', 'PROCESSED', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "public"."representative_role" AS ENUM('AGENT', 'SENIOR_AGENT', 'SUPERVISOR', 'MANAGER');--> statement-breakpoint
CREATE TYPE "public"."representative_status" AS ENUM('ONLINE', 'AWAY', 'BUSY', 'OFFLINE');--> statement-breakpoint
CREATE TYPE "public"."ticket_category" AS ENUM('TECHNICAL_ISSUE', 'BILLING', 'ACCOUNT', 'REFUND_REQUEST', 'PRODUCT_QUESTION', 'FEATURE_REQUEST', 'COMPLAINT', 'OTHER');--> statement-breakpoint
CREATE TYPE "public"."ticket_priority" AS ENUM('LOW', 'MEDIUM', 'HIGH', 'URGENT');--> statement-breakpoint
CREATE TYPE "public"."ticket_status" AS ENUM('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('CUSTOMER', 'REPRESENTATIVE', 'ADMIN');--> statement-breakpoint
CREATE TABLE "agent_configurations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"type" "agent_type" NOT NULL,
	"status" "agent_status" DEFAULT 'TESTING' NOT NULL,
	"model" text NOT NULL,
	"thresholds" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"data_sources" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_configurations_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "agent_configurations_name_not_blank" CHECK (btrim(name) <> ''),
	CONSTRAINT "agent_configurations_thresholds_is_object" CHECK (jsonb_typeof(thresholds) = 'object'),
	CONSTRAINT "agent_configurations_data_sources_is_array" CHECK (jsonb_typeof(data_sources) = 'array'),
	CONSTRAINT "agent_configurations_settings_is_object" CHECK (jsonb_typeof(settings) = 'object')
);
--> statement-breakpoint
ALTER TABLE "agent_configurations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "decision_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"agent_configuration_id" uuid,
	"name" text NOT NULL,
	"description" text,
	"priority" integer DEFAULT 100 NOT NULL,
	"conditions" jsonb NOT NULL,
	"action" "decision_rule_action" NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "decision_rules_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "decision_rules_name_not_blank" CHECK (btrim(name) <> ''),
	CONSTRAINT "decision_rules_priority_non_negative" CHECK (priority >= 0),
	CONSTRAINT "decision_rules_conditions_is_object" CHECK (jsonb_typeof(conditions) = 'object')
);
--> statement-breakpoint
ALTER TABLE "decision_rules" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "budget_usage_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"budget_id" uuid NOT NULL,
	"refund_id" uuid,
	"amount" numeric(12, 2) NOT NULL,
	"description" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budget_usage_records_organization_id_refund_id_key" UNIQUE("organization_id","refund_id"),
	CONSTRAINT "budget_usage_records_amount_positive" CHECK (amount > 0)
);
--> statement-breakpoint
ALTER TABLE "budget_usage_records" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "budgets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"type" "budget_type" DEFAULT 'REFUNDS' NOT NULL,
	"period" "budget_period" DEFAULT 'MONTHLY' NOT NULL,
	"amount" numeric(12, 2) NOT NULL,
	"spent" numeric(12, 2) DEFAULT '0.00' NOT NULL,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"alert_thresholds" jsonb DEFAULT '[50,80,100]'::jsonb NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budgets_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "budgets_name_not_blank" CHECK (btrim(name) <> ''),
	CONSTRAINT "budgets_amount_positive" CHECK (amount > 0),
	CONSTRAINT "budgets_spent_non_negative" CHECK (spent >= 0),
	CONSTRAINT "budgets_spent_within_amount" CHECK (spent <= amount),
	CONSTRAINT "budgets_currency_format" CHECK (currency ~ '^[A-Z]{3}$'),
	CONSTRAINT "budgets_period_order" CHECK (period_end >= period_start),
	CONSTRAINT "budgets_alert_thresholds_is_array" CHECK (jsonb_typeof(alert_thresholds) = 'array')
);
--> statement-breakpoint
ALTER TABLE "budgets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "refunds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"ticket_id" uuid,
	"amount" numeric(12, 2) NOT NULL,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"reason" "refund_reason" NOT NULL,
	"status" "refund_status" DEFAULT 'PENDING' NOT NULL,
	"decision_rule_id" uuid,
	"decided_by_user_id" uuid,
	"budget_id" uuid,
	"decided_at" timestamp with time zone,
	"processed_at" timestamp with time zone,
	"notes" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "refunds_amount_positive" CHECK (amount > 0),
	CONSTRAINT "refunds_currency_format" CHECK (currency ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "refunds" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "performance_metrics" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"period" "metric_period" NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"tickets_created" integer DEFAULT 0 NOT NULL,
	"tickets_resolved" integer DEFAULT 0 NOT NULL,
	"tickets_closed" integer DEFAULT 0 NOT NULL,
	"escalations_created" integer DEFAULT 0 NOT NULL,
	"avg_first_response_seconds" integer,
	"avg_resolution_seconds" integer,
	"csat_score" numeric(5, 2),
	"escalation_rate" numeric(5, 4),
	"ai_resolution_rate" numeric(5, 4),
	"refunds_count" integer DEFAULT 0 NOT NULL,
	"refunds_approved_count" integer DEFAULT 0 NOT NULL,
	"refunds_total_amount" numeric(12, 2) DEFAULT '0.00' NOT NULL,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "performance_metrics_organization_id_period_period_start_key" UNIQUE("organization_id","period","period_start"),
	CONSTRAINT "performance_metrics_period_order" CHECK (period_end >= period_start),
	CONSTRAINT "performance_metrics_counts_non_negative" CHECK (tickets_created >= 0 and tickets_resolved >= 0 and tickets_closed >= 0 and escalations_created >= 0 and refunds_count >= 0 and refunds_approved_count >= 0),
	CONSTRAINT "performance_metrics_seconds_non_negative" CHECK (avg_first_response_seconds >= 0 and avg_resolution_seconds >= 0),
	CONSTRAINT "performance_metrics_csat_score_range" CHECK (csat_score >= 0 and csat_score <= 100),
	CONSTRAINT "performance_metrics_rates_range" CHECK (escalation_rate >= 0 and escalation_rate <= 1 and ai_resolution_rate >= 0 and ai_resolution_rate <= 1),
	CONSTRAINT "performance_metrics_refunds_total_amount_non_negative" CHECK (refunds_total_amount >= 0),
	CONSTRAINT "performance_metrics_currency_format" CHECK (currency ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "performance_metrics" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "team_performance" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"representative_id" uuid NOT NULL,
	"period" "metric_period" NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"tickets_handled" integer DEFAULT 0 NOT NULL,
	"tickets_resolved" integer DEFAULT 0 NOT NULL,
	"avg_response_seconds" integer,
	"avg_resolution_seconds" integer,
	"csat_score" numeric(5, 2),
	"trend" "performance_trend" DEFAULT 'STABLE' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "team_performance_org_representative_period_start_key" UNIQUE("organization_id","representative_id","period","period_start"),
	CONSTRAINT "team_performance_period_order" CHECK (period_end >= period_start),
	CONSTRAINT "team_performance_counts_non_negative" CHECK (tickets_handled >= 0 and tickets_resolved >= 0),
	CONSTRAINT "team_performance_seconds_non_negative" CHECK (avg_response_seconds >= 0 and avg_resolution_seconds >= 0),
	CONSTRAINT "team_performance_csat_score_range" CHECK (csat_score >= 0 and csat_score <= 100)
);
--> statement-breakpoint
ALTER TABLE "team_performance" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "customer_profiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"account_tier" "account_tier" DEFAULT 'BASIC' NOT NULL,
	"account_standing" "account_standing" DEFAULT 'GOOD' NOT NULL,
	"lifetime_value" numeric(12, 2) DEFAULT '0.00' NOT NULL,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"preferences" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customer_profiles_organization_id_user_id_key" UNIQUE("organization_id","user_id"),
	CONSTRAINT "customer_profiles_lifetime_value_non_negative" CHECK (lifetime_value >= 0),
	CONSTRAINT "customer_profiles_currency_format" CHECK (currency ~ '^[A-Z]{3}$'),
	CONSTRAINT "customer_profiles_context_is_object" CHECK (jsonb_typeof(context) = 'object'),
	CONSTRAINT "customer_profiles_preferences_is_object" CHECK (jsonb_typeof(preferences) = 'object')
);
--> statement-breakpoint
ALTER TABLE "customer_profiles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "representatives" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "representative_role" DEFAULT 'AGENT' NOT NULL,
	"status" "representative_status" DEFAULT 'OFFLINE' NOT NULL,
	"max_concurrent_tickets" integer DEFAULT 5 NOT NULL,
	"skills" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"languages" jsonb DEFAULT '["en"]'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "representatives_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "representatives_organization_id_user_id_key" UNIQUE("organization_id","user_id"),
	CONSTRAINT "representatives_max_concurrent_tickets_positive" CHECK (max_concurrent_tickets > 0),
	CONSTRAINT "representatives_skills_is_array" CHECK (jsonb_typeof(skills) = 'array'),
	CONSTRAINT "representatives_languages_is_array" CHECK (jsonb_typeof(languages) = 'array')
);
--> statement-breakpoint
ALTER TABLE "representatives" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "escalations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"agent_configuration_id" uuid,
	"assigned_representative_id" uuid,
	"priority" "escalation_priority" DEFAULT 'MEDIUM' NOT NULL,
	"status" "escalation_status" DEFAULT 'PENDING' NOT NULL,
	"reason" "escalation_reason" NOT NULL,
	"summary" text,
	"ai_confidence" numeric(5, 4),
	"assigned_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"resolution_notes" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escalations_ai_confidence_range" CHECK (ai_confidence >= 0 and ai_confidence <= 1)
);
--> statement-breakpoint
ALTER TABLE "escalations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"ticket_number" text NOT NULL,
	"customer_id" uuid NOT NULL,
	"assigned_representative_id" uuid,
	"subject" text NOT NULL,
	"description" text NOT NULL,
	"status" "ticket_status" DEFAULT 'OPEN' NOT NULL,
	"priority" "ticket_priority" DEFAULT 'MEDIUM' NOT NULL,
	"category" "ticket_category" DEFAULT 'OTHER' NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"first_response_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tickets_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "tickets_organization_id_ticket_number_key" UNIQUE("organization_id","ticket_number"),
	CONSTRAINT "tickets_ticket_number_format" CHECK (ticket_number ~ '^TICKET-[0-9]+$'),
	CONSTRAINT "tickets_subject_not_blank" CHECK (btrim(subject) <> ''),
	CONSTRAINT "tickets_tags_is_array" CHECK (jsonb_typeof(tags) = 'array')
);
--> statement-breakpoint
ALTER TABLE "tickets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"plan" "organization_plan" DEFAULT 'FREE' NOT NULL,
	"status" "organization_status" DEFAULT 'TRIAL' NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ticket_sequence" integer DEFAULT 1000 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_slug_key" UNIQUE("slug"),
	CONSTRAINT "organizations_slug_format" CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
	CONSTRAINT "organizations_name_not_blank" CHECK (btrim(name) <> ''),
	CONSTRAINT "organizations_ticket_sequence_non_negative" CHECK (ticket_sequence >= 0),
	CONSTRAINT "organizations_settings_is_object" CHECK (jsonb_typeof(settings) = 'object')
);
--> statement-breakpoint
ALTER TABLE "organizations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" "user_role" NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "users_organization_id_email_key" UNIQUE("organization_id","email"),
	CONSTRAINT "users_email_lower_case" CHECK (email = lower(email)),
	CONSTRAINT "users_email_format" CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
	CONSTRAINT "users_name_not_blank" CHECK (btrim(name) <> '')
);
--> statement-breakpoint
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "agent_configurations" ADD CONSTRAINT "agent_configurations_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_rules" ADD CONSTRAINT "decision_rules_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_rules" ADD CONSTRAINT "decision_rules_agent_configuration_fk" FOREIGN KEY ("organization_id","agent_configuration_id") REFERENCES "public"."agent_configurations"("organization_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_usage_records" ADD CONSTRAINT "budget_usage_records_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_usage_records" ADD CONSTRAINT "budget_usage_records_budget_fk" FOREIGN KEY ("organization_id","budget_id") REFERENCES "public"."budgets"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_usage_records" ADD CONSTRAINT "budget_usage_records_refund_fk" FOREIGN KEY ("organization_id","refund_id") REFERENCES "public"."refunds"("organization_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_customer_fk" FOREIGN KEY ("organization_id","customer_id") REFERENCES "public"."users"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_ticket_fk" FOREIGN KEY ("organization_id","ticket_id") REFERENCES "public"."tickets"("organization_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_decision_rule_fk" FOREIGN KEY ("organization_id","decision_rule_id") REFERENCES "public"."decision_rules"("organization_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_decided_by_user_fk" FOREIGN KEY ("organization_id","decided_by_user_id") REFERENCES "public"."users"("organization_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_budget_fk" FOREIGN KEY ("organization_id","budget_id") REFERENCES "public"."budgets"("organization_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "performance_metrics" ADD CONSTRAINT "performance_metrics_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_performance" ADD CONSTRAINT "team_performance_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_performance" ADD CONSTRAINT "team_performance_representative_fk" FOREIGN KEY ("organization_id","representative_id") REFERENCES "public"."representatives"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_profiles" ADD CONSTRAINT "customer_profiles_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_profiles" ADD CONSTRAINT "customer_profiles_user_fk" FOREIGN KEY ("organization_id","user_id") REFERENCES "public"."users"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "representatives" ADD CONSTRAINT "representatives_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "representatives" ADD CONSTRAINT "representatives_user_fk" FOREIGN KEY ("organization_id","user_id") REFERENCES "public"."users"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_ticket_fk" FOREIGN KEY ("organization_id","ticket_id") REFERENCES "public"."tickets"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_agent_configuration_fk" FOREIGN KEY ("organization_id","agent_configuration_id") REFERENCES "public"."agent_configurations"("organization_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_assigned_representative_fk" FOREIGN KEY ("organization_id","assigned_representative_id") REFERENCES "public"."representatives"("organization_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_customer_fk" FOREIGN KEY ("organization_id","customer_id") REFERENCES "public"."users"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_assigned_representative_fk" FOREIGN KEY ("organization_id","assigned_representative_id") REFERENCES "public"."representatives"("organization_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_configurations_organization_id_status_created_at_id_idx" ON "agent_configurations" USING btree ("organization_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "decision_rules_organization_id_is_active_priority_idx" ON "decision_rules" USING btree ("organization_id","is_active","priority");--> statement-breakpoint
CREATE INDEX "decision_rules_organization_id_agent_configuration_id_idx" ON "decision_rules" USING btree ("organization_id","agent_configuration_id");--> statement-breakpoint
CREATE INDEX "budget_usage_records_organization_id_budget_id_recorded_at_idx" ON "budget_usage_records" USING btree ("organization_id","budget_id","recorded_at");--> statement-breakpoint
CREATE INDEX "budgets_organization_id_created_at_id_idx" ON "budgets" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "budgets_organization_id_type_is_active_period_idx" ON "budgets" USING btree ("organization_id","type","is_active","period_start","period_end");--> statement-breakpoint
CREATE INDEX "refunds_organization_id_created_at_id_idx" ON "refunds" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "refunds_organization_id_status_created_at_id_idx" ON "refunds" USING btree ("organization_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "refunds_organization_id_customer_id_created_at_id_idx" ON "refunds" USING btree ("organization_id","customer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "refunds_organization_id_ticket_id_idx" ON "refunds" USING btree ("organization_id","ticket_id");--> statement-breakpoint
CREATE INDEX "refunds_organization_id_decision_rule_id_idx" ON "refunds" USING btree ("organization_id","decision_rule_id");--> statement-breakpoint
CREATE INDEX "refunds_organization_id_decided_by_user_id_idx" ON "refunds" USING btree ("organization_id","decided_by_user_id");--> statement-breakpoint
CREATE INDEX "refunds_organization_id_budget_id_idx" ON "refunds" USING btree ("organization_id","budget_id");--> statement-breakpoint
CREATE INDEX "team_performance_organization_id_period_period_start_idx" ON "team_performance" USING btree ("organization_id","period","period_start");--> statement-breakpoint
CREATE INDEX "customer_profiles_organization_id_account_tier_idx" ON "customer_profiles" USING btree ("organization_id","account_tier");--> statement-breakpoint
CREATE INDEX "representatives_organization_id_status_idx" ON "representatives" USING btree ("organization_id","status");--> statement-breakpoint
CREATE INDEX "escalations_organization_id_created_at_id_idx" ON "escalations" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "escalations_organization_id_status_created_at_id_idx" ON "escalations" USING btree ("organization_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "escalations_organization_id_ticket_id_idx" ON "escalations" USING btree ("organization_id","ticket_id");--> statement-breakpoint
CREATE INDEX "escalations_organization_id_agent_configuration_id_idx" ON "escalations" USING btree ("organization_id","agent_configuration_id");--> statement-breakpoint
CREATE INDEX "escalations_organization_id_assignee_created_at_id_idx" ON "escalations" USING btree ("organization_id","assigned_representative_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_organization_id_created_at_id_idx" ON "tickets" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_organization_id_status_created_at_id_idx" ON "tickets" USING btree ("organization_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_organization_id_priority_created_at_id_idx" ON "tickets" USING btree ("organization_id","priority","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_organization_id_assignee_created_at_id_idx" ON "tickets" USING btree ("organization_id","assigned_representative_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_organization_id_customer_id_created_at_id_idx" ON "tickets" USING btree ("organization_id","customer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_organization_id_category_created_at_id_idx" ON "tickets" USING btree ("organization_id","category","created_at","id");--> statement-breakpoint
CREATE INDEX "users_organization_id_role_created_at_id_idx" ON "users" USING btree ("organization_id","role","created_at","id");--> statement-breakpoint
CREATE INDEX "users_organization_id_created_at_id_idx" ON "users" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "agent_configurations" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "decision_rules" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "budget_usage_records" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "budgets" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "refunds" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "performance_metrics" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "team_performance" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "customer_profiles" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "representatives" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "escalations" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "tickets" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "organizations" AS PERMISSIVE FOR ALL TO public USING (id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "users" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));