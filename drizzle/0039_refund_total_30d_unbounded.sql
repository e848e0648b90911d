-- Custom migration: app_customer_refund_facts (0016) cast refundTotal30d, a sum of the customer's approved refunds of
-- 30 days, to numeric(12,2), the width of ONE refund: from the second maximal refund (9,999,999,999.99) on, the cast
-- overflowed (22003) and every refund request of that customer (and every dry run over it) was refused with 422
-- CONSTRAINT_VIOLATION. The sum keeps its full width now, text with two decimals as before ("0.00" when none); the
-- rules read money facts of up to 18 digits before the point (rules-language.ts). Same signature: the grants stay.
-- Idempotent.
CREATE OR REPLACE FUNCTION public.app_customer_refund_facts(p_customer_id uuid, p_currency text)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY INVOKER
AS $$
  SELECT pg_catalog.jsonb_build_object(
    'refundCount30d', count(*) FILTER (WHERE r.status <> 'CANCELLED'),
    'refundTotal30d', pg_catalog.round(coalesce(sum(r.amount) FILTER (WHERE r.status IN ('APPROVED', 'PROCESSED')
      AND r.currency = p_currency), 0), 2)::text)
  FROM public.refunds r
  WHERE r.organization_id = nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid
    AND r.customer_id = p_customer_id
    AND r.created_at >= now() - interval '30 days'
$$;
