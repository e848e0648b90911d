-- Custom migration: late changes mark the days whose metrics they make stale (metrics_stale_days, 0068). The daily
-- computation recomputes the days of its window (src/cron/metrics.ts LOOKBACK_DAYS = 7: the 7 days before its run)
-- and the periods meeting them; a change that moves what an OLDER day counts (a reopened ticket's first resolution,
-- a re-rating, a late approval, a reassignment, an escalation of a resolved ticket) left that day, its week, month,
-- quarter and year as last computed. These triggers record such days, the old value's and the new one's; the next
-- daily computation recomputes them and the periods containing them, and deletes the marks in the same transaction.
-- Only days before the next run's window are marked (older than today − 6, UTC): the window covers the others.
-- SECURITY INVOKER: the marking runs as the writer, under the table's tenant policy (a row can only be marked for the
-- writer's tenant). RLS applies to the table's owner too. Runs as the migration owner. Idempotent.
ALTER TABLE public.metrics_stale_days FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.app_mark_metrics_stale(p_organization_id uuid, p_instants timestamptz[])
RETURNS void
LANGUAGE sql
VOLATILE
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO public.metrics_stale_days (organization_id, day)
  SELECT DISTINCT p_organization_id, (instant AT TIME ZONE 'UTC')::date
  FROM unnest(p_instants) AS instant
  WHERE instant IS NOT NULL AND (instant AT TIME ZONE 'UTC')::date < (now() AT TIME ZONE 'UTC')::date - 6
  ON CONFLICT DO NOTHING
$$;
--> statement-breakpoint
-- A row's days: the instants of the columns its trigger names (TG_ARGV), before and after the change.
CREATE OR REPLACE FUNCTION public.app_row_metrics_stale()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM public.app_mark_metrics_stale(NEW.organization_id, ARRAY(
    SELECT (side.state ->> instant.name)::timestamptz
    FROM unnest(TG_ARGV) AS instant(name),
      (VALUES (pg_catalog.to_jsonb(OLD)), (pg_catalog.to_jsonb(NEW))) AS side(state)));
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- A ticket counts on the days of its creation, first response, resolution, closing and rating, for the
-- organization and for its assigned representative (team rows); who answered first decides its AI resolution.
CREATE OR REPLACE TRIGGER tickets_metrics_stale AFTER UPDATE ON public.tickets
  FOR EACH ROW
  WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at
    OR OLD.first_response_at IS DISTINCT FROM NEW.first_response_at
    OR OLD.first_response_by_type IS DISTINCT FROM NEW.first_response_by_type
    OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at
    OR OLD.closed_at IS DISTINCT FROM NEW.closed_at
    OR OLD.satisfaction_rated_at IS DISTINCT FROM NEW.satisfaction_rated_at
    OR OLD.satisfaction_rating IS DISTINCT FROM NEW.satisfaction_rating
    OR OLD.assigned_representative_id IS DISTINCT FROM NEW.assigned_representative_id)
  EXECUTE FUNCTION public.app_row_metrics_stale('created_at', 'first_response_at', 'resolved_at', 'closed_at',
    'satisfaction_rated_at');
--> statement-breakpoint
-- A refund counts on the day it was requested, by its status, currency and amount.
CREATE OR REPLACE TRIGGER refunds_metrics_stale AFTER UPDATE ON public.refunds
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.amount IS DISTINCT FROM NEW.amount
    OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION public.app_row_metrics_stale('created_at');
--> statement-breakpoint
-- An escalation counts on the day it was opened, and takes its ticket's resolution out of the AI-resolved ones (the
-- day the ticket was resolved).
CREATE OR REPLACE FUNCTION public.app_escalation_metrics_stale()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM public.app_mark_metrics_stale(NEW.organization_id, ARRAY(
    SELECT t.resolved_at FROM public.tickets t
    WHERE t.organization_id = NEW.organization_id
      AND (t.id = NEW.ticket_id OR (TG_OP = 'UPDATE' AND t.id = OLD.ticket_id))
  ) || CASE TG_OP WHEN 'UPDATE' THEN ARRAY[OLD.created_at, NEW.created_at] ELSE ARRAY[NEW.created_at] END);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER escalations_metrics_stale AFTER INSERT ON public.escalations
  FOR EACH ROW EXECUTE FUNCTION public.app_escalation_metrics_stale();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER escalations_metrics_stale_moved AFTER UPDATE ON public.escalations
  FOR EACH ROW
  WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id)
  EXECUTE FUNCTION public.app_escalation_metrics_stale();
