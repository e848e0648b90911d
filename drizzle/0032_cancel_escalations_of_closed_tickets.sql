-- Custom migration: closing a ticket now cancels its open escalations in the same transaction
-- (src/resources/tickets/tickets.data.ts, `closingEffects`): a CLOSED ticket is final and takes no message, so
-- nobody can work them, `auto` would hand them out, and they would hold a representative's capacity. This cancels
-- those left open by tickets closed before that change, as the close would have. Runs as the migration owner (not
-- subject to RLS, as in 0012 and 0031). Idempotent: only open escalations (PENDING, ASSIGNED, IN_PROGRESS) of CLOSED
-- tickets are written.
--
-- Each written row gets the next version and updated_at, as every API write does, and escalations_record_event records
-- an `escalation.cancelled` event of it, actor SYSTEM (no request bound): subscribers learn of it as of any cancel.
UPDATE public.escalations e
SET status = 'CANCELLED',
    version = e.version + 1,
    updated_at = greatest(now(), e.updated_at)
FROM public.tickets t
WHERE t.organization_id = e.organization_id
  AND t.id = e.ticket_id
  AND t.status = 'CLOSED'
  AND e.status IN ('PENDING', 'ASSIGNED', 'IN_PROGRESS');
