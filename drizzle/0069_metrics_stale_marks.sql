-- Custom migration: late changes mark the days whose metrics they make stale (metrics_stale_days, 0068). The daily
-- computation recomputes the days of its window (src/cron/metrics.ts LOOKBACK_DAYS = 7: the 7 days before its run)
-- and the periods meeting them; a change that moves what an OLDER day counts (a reopened ticket's first resolution,
-- a re-rating, a late approval, a reassignment, an escalation of a resolved ticket) left that day, its week, month,
-- quarter and year as last computed. These triggers record such days, the old value's and the new one's; the next
-- daily computation recomputes them and the periods containing them.
-- Only days before the next run's window are marked (older than today − 6, UTC): that run covers the others.
-- Append-only (one row per change and day, no unique key): a writer never waits for another writer, nor for the
-- computation, which deletes only the marks committed before its own statements read the source rows, so a change
-- still in progress keeps its mark for the next run (src/cron/metrics.ts computeDailyMetrics).
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
$$;
--> statement-breakpoint
-- A ticket counts on the days of its creation, first response, resolution, closing and rating, each on its own day
-- (src/resources/metrics/metrics.data.ts ticketCtes), for the organization and for its assigned representative (team
-- rows). So a change marks the days of what it changed: its creation or its assignee, every day; a rating, the day
-- rated; and its first response or who gave it, also the resolution's day (whether the ticket was resolved by the AI,
-- and whether its resolution was its first event in the period, depend on them).
CREATE OR REPLACE FUNCTION public.app_ticket_metrics_stale()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_every boolean := OLD.created_at IS DISTINCT FROM NEW.created_at
    OR OLD.assigned_representative_id IS DISTINCT FROM NEW.assigned_representative_id;
  v_responded boolean := v_every OR OLD.first_response_at IS DISTINCT FROM NEW.first_response_at
    OR OLD.first_response_by_type IS DISTINCT FROM NEW.first_response_by_type;
  v_resolved boolean := v_responded OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at;
  v_closed boolean := v_every OR OLD.closed_at IS DISTINCT FROM NEW.closed_at;
  v_rated boolean := v_every OR OLD.satisfaction_rated_at IS DISTINCT FROM NEW.satisfaction_rated_at
    OR OLD.satisfaction_rating IS DISTINCT FROM NEW.satisfaction_rating;
BEGIN
  PERFORM public.app_mark_metrics_stale(NEW.organization_id, ARRAY[
    CASE WHEN v_every THEN OLD.created_at END, CASE WHEN v_every THEN NEW.created_at END,
    CASE WHEN v_responded THEN OLD.first_response_at END, CASE WHEN v_responded THEN NEW.first_response_at END,
    CASE WHEN v_resolved THEN OLD.resolved_at END, CASE WHEN v_resolved THEN NEW.resolved_at END,
    CASE WHEN v_closed THEN OLD.closed_at END, CASE WHEN v_closed THEN NEW.closed_at END,
    CASE WHEN v_rated THEN OLD.satisfaction_rated_at END, CASE WHEN v_rated THEN NEW.satisfaction_rated_at END]);
  RETURN NULL;
END
$$;
--> statement-breakpoint
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
  EXECUTE FUNCTION public.app_ticket_metrics_stale();
--> statement-breakpoint
-- A refund counts on the day it was requested, by its status, currency and amount.
CREATE OR REPLACE FUNCTION public.app_refund_metrics_stale()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM public.app_mark_metrics_stale(NEW.organization_id, ARRAY[OLD.created_at, NEW.created_at]);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER refunds_metrics_stale AFTER UPDATE ON public.refunds
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.amount IS DISTINCT FROM NEW.amount
    OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION public.app_refund_metrics_stale();
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
