DROP INDEX "decision_rules_organization_id_agent_configuration_id_idx";--> statement-breakpoint
CREATE INDEX "decision_rules_organization_id_priority_created_at_id_idx" ON "decision_rules" USING btree ("organization_id","priority","created_at","id");--> statement-breakpoint
CREATE INDEX "decision_rules_organization_id_created_at_id_idx" ON "decision_rules" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "decision_rules_organization_id_agent_priority_idx" ON "decision_rules" USING btree ("organization_id","agent_configuration_id","priority","created_at","id");--> statement-breakpoint
CREATE INDEX "decision_rules_organization_id_agent_created_at_idx" ON "decision_rules" USING btree ("organization_id","agent_configuration_id","created_at","id");--> statement-breakpoint
CREATE INDEX "budgets_organization_id_currency_created_at_id_idx" ON "budgets" USING btree ("organization_id","currency","created_at","id");--> statement-breakpoint
CREATE INDEX "budgets_organization_id_is_active_created_at_id_idx" ON "budgets" USING btree ("organization_id","is_active","created_at","id");--> statement-breakpoint
CREATE INDEX "budgets_type_refunds_idx" ON "budgets" USING btree ("organization_id","created_at","id") WHERE type = 'REFUNDS';--> statement-breakpoint
CREATE INDEX "budgets_type_compensation_idx" ON "budgets" USING btree ("organization_id","created_at","id") WHERE type = 'COMPENSATION';--> statement-breakpoint
CREATE INDEX "budgets_type_ai_operations_idx" ON "budgets" USING btree ("organization_id","created_at","id") WHERE type = 'AI_OPERATIONS';--> statement-breakpoint
CREATE INDEX "refunds_status_open_idx" ON "refunds" USING btree ("organization_id","created_at","id") WHERE status in ('PENDING', 'APPROVED');--> statement-breakpoint
CREATE INDEX "performance_metrics_organization_id_period_start_period_id_idx" ON "performance_metrics" USING btree ("organization_id","period_start","period","id");--> statement-breakpoint
CREATE INDEX "performance_metrics_period_day_idx" ON "performance_metrics" USING btree ("organization_id","period_start","period","id") WHERE period = 'DAY';--> statement-breakpoint
CREATE INDEX "performance_metrics_period_week_idx" ON "performance_metrics" USING btree ("organization_id","period_start","period","id") WHERE period = 'WEEK';--> statement-breakpoint
CREATE INDEX "performance_metrics_period_month_idx" ON "performance_metrics" USING btree ("organization_id","period_start","period","id") WHERE period = 'MONTH';--> statement-breakpoint
CREATE INDEX "performance_metrics_period_quarter_idx" ON "performance_metrics" USING btree ("organization_id","period_start","period","id") WHERE period = 'QUARTER';--> statement-breakpoint
CREATE INDEX "performance_metrics_period_year_idx" ON "performance_metrics" USING btree ("organization_id","period_start","period","id") WHERE period = 'YEAR';--> statement-breakpoint
CREATE INDEX "team_performance_organization_id_period_start_period_id_idx" ON "team_performance" USING btree ("organization_id","period_start","period","id");--> statement-breakpoint
CREATE INDEX "team_performance_period_day_idx" ON "team_performance" USING btree ("organization_id","period_start","period","id") WHERE period = 'DAY';--> statement-breakpoint
CREATE INDEX "team_performance_period_week_idx" ON "team_performance" USING btree ("organization_id","period_start","period","id") WHERE period = 'WEEK';--> statement-breakpoint
CREATE INDEX "team_performance_period_month_idx" ON "team_performance" USING btree ("organization_id","period_start","period","id") WHERE period = 'MONTH';--> statement-breakpoint
CREATE INDEX "team_performance_period_quarter_idx" ON "team_performance" USING btree ("organization_id","period_start","period","id") WHERE period = 'QUARTER';--> statement-breakpoint
CREATE INDEX "team_performance_period_year_idx" ON "team_performance" USING btree ("organization_id","period_start","period","id") WHERE period = 'YEAR';--> statement-breakpoint
CREATE INDEX "team_performance_organization_id_representative_id_period_start_idx" ON "team_performance" USING btree ("organization_id","representative_id","period_start","period","id");--> statement-breakpoint
CREATE INDEX "escalations_open_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE status in ('PENDING', 'ASSIGNED', 'IN_PROGRESS');--> statement-breakpoint
CREATE INDEX "escalations_open_created_at_idx" ON "escalations" USING btree ("organization_id","created_at","id") WHERE status in ('PENDING', 'ASSIGNED', 'IN_PROGRESS');