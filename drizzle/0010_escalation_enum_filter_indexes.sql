DROP INDEX "escalations_status_queue_idx";--> statement-breakpoint
DROP INDEX "escalations_reason_queue_idx";--> statement-breakpoint
CREATE INDEX "escalations_status_pending_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX "escalations_status_assigned_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE status = 'ASSIGNED';--> statement-breakpoint
CREATE INDEX "escalations_status_in_progress_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE status = 'IN_PROGRESS';--> statement-breakpoint
CREATE INDEX "escalations_status_resolved_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE status = 'RESOLVED';--> statement-breakpoint
CREATE INDEX "escalations_status_cancelled_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE status = 'CANCELLED';--> statement-breakpoint
CREATE INDEX "escalations_reason_customer_request_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE reason = 'CUSTOMER_REQUEST';--> statement-breakpoint
CREATE INDEX "escalations_reason_low_confidence_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE reason = 'LOW_CONFIDENCE';--> statement-breakpoint
CREATE INDEX "escalations_reason_high_value_customer_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE reason = 'HIGH_VALUE_CUSTOMER';--> statement-breakpoint
CREATE INDEX "escalations_reason_negative_sentiment_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE reason = 'NEGATIVE_SENTIMENT';--> statement-breakpoint
CREATE INDEX "escalations_reason_complex_issue_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE reason = 'COMPLEX_ISSUE';--> statement-breakpoint
CREATE INDEX "escalations_reason_policy_exception_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE reason = 'POLICY_EXCEPTION';--> statement-breakpoint
CREATE INDEX "escalations_reason_refund_over_limit_queue_idx" ON "escalations" USING btree ("organization_id","priority_rank","created_at","id") WHERE reason = 'REFUND_OVER_LIMIT';
