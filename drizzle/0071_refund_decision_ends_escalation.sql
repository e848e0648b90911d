-- Custom migration: the escalation of a refund ends with the refund's decision. A refund the rules escalate (ESCALATE,
-- or AUTO_APPROVE over the agent's maxAutoRefundAmount) opens an escalation whose only work is that a person decides
-- the refund (src/resources/refunds/refunds.data.ts); since 0070 it names the refund (escalations.refund_id). Once the
-- refund leaves PENDING (approved or rejected by a person, cancelled by its customer, an agent or staff) the
-- escalation is done: RESOLVED with a note saying how, or CANCELLED when the refund was withdrawn, in the same
-- transaction, by whichever route changed the refund (REST, GraphQL, MCP). Until then it stayed open: `auto` handed
-- it out, it held a representative's capacity, and it kept its ticket's priority at MEDIUM or above.
-- Each written row gets the next version and updated_at, as every API write does, and escalations_record_event records
-- its event (escalation.resolved / escalation.cancelled) with the request's actor. SECURITY INVOKER: it writes as the
-- caller, under RLS (escalations have no CUSTOMER restriction: a customer who withdraws its refund ends its
-- escalation). Only open escalations (PENDING, ASSIGNED, IN_PROGRESS) are written: one a person already resolved or
-- cancelled is left as it is.
-- An escalation that names no refund but was opened by this refund's transaction is taken too (and linked): those
-- opened before 0070, and any a Worker older than 0070 opens between this migration and its deploy. The refund's
-- transaction inserted it on the refund's ticket, with a reason the rules give and the summary the refund writes, at
-- the refund's created_at exactly (the transaction's time). Runs as the migration owner. Idempotent.
CREATE OR REPLACE FUNCTION public.app_end_refund_escalations()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE public.escalations e
  SET status = CASE WHEN NEW.status = 'CANCELLED' THEN 'CANCELLED' ELSE 'RESOLVED' END::public.escalation_status,
      resolved_at = CASE WHEN NEW.status = 'CANCELLED' THEN e.resolved_at ELSE now() END,
      resolution_notes = CASE WHEN NEW.status = 'CANCELLED' THEN e.resolution_notes
        ELSE 'The refund was ' || lower(NEW.status::text) || '.' END,
      refund_id = NEW.id,
      version = e.version + 1,
      updated_at = greatest(now(), e.updated_at)
  WHERE e.organization_id = NEW.organization_id
    AND (e.refund_id = NEW.id
      OR (e.refund_id IS NULL AND e.ticket_id = NEW.ticket_id AND e.created_at = NEW.created_at
        AND e.reason IN ('REFUND_OVER_LIMIT', 'POLICY_EXCEPTION') AND e.summary LIKE 'Refund of %'))
    AND e.status IN ('PENDING', 'ASSIGNED', 'IN_PROGRESS');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER refunds_end_escalations AFTER UPDATE OF status ON public.refunds
  FOR EACH ROW
  WHEN (OLD.status = 'PENDING' AND NEW.status <> 'PENDING')
  EXECUTE FUNCTION public.app_end_refund_escalations();
--> statement-breakpoint
-- The escalations opened before 0070 name their refund now, matched as above; one that more than one refund would
-- match is left unlinked rather than guessed. A new field of their representation, so a new version and updated_at
-- (their ETag must change with it), without an event: nobody changed them, and an `escalation.updated` per escalation
-- ever opened for a refund would flood every webhook endpoint (as 0045 did for its backfill).
ALTER TABLE public.escalations DISABLE TRIGGER escalations_record_event;
--> statement-breakpoint
WITH matched AS (
  SELECT e.id, min(r.id::text)::uuid AS refund_id, count(*) AS candidates
  FROM public.escalations e
  JOIN public.refunds r
    ON r.organization_id = e.organization_id AND r.ticket_id = e.ticket_id AND r.created_at = e.created_at
  WHERE e.refund_id IS NULL
    AND e.reason IN ('REFUND_OVER_LIMIT', 'POLICY_EXCEPTION')
    AND e.summary LIKE 'Refund of %'
  GROUP BY e.id
)
UPDATE public.escalations e
SET refund_id = matched.refund_id,
    version = e.version + 1,
    updated_at = greatest(now(), e.updated_at)
FROM matched
WHERE e.id = matched.id AND matched.candidates = 1;
--> statement-breakpoint
ALTER TABLE public.escalations ENABLE TRIGGER escalations_record_event;
--> statement-breakpoint
-- And those left open by a refund already decided end now, as the decision would have ended them (with their event,
-- actor SYSTEM).
UPDATE public.escalations e
SET status = CASE WHEN r.status = 'CANCELLED' THEN 'CANCELLED' ELSE 'RESOLVED' END::public.escalation_status,
    resolved_at = CASE WHEN r.status = 'CANCELLED' THEN e.resolved_at ELSE greatest(now(), e.updated_at) END,
    resolution_notes = CASE WHEN r.status = 'CANCELLED' THEN e.resolution_notes
      ELSE 'The refund was ' || lower(r.status::text) || '.' END,
    version = e.version + 1,
    updated_at = greatest(now(), e.updated_at)
FROM public.refunds r
WHERE r.organization_id = e.organization_id
  AND r.id = e.refund_id
  AND r.status <> 'PENDING'
  AND e.status IN ('PENDING', 'ASSIGNED', 'IN_PROGRESS');
