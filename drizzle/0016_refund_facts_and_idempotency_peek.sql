-- Custom migration: the facts of a refund decision that depend on the customer's other refunds, settled at the
-- write (src/resources/refunds/refunds.data.ts), and the Idempotency-Key peek of read batches (src/db/tenant.ts).

-- The customer's 30-day refund facts of SPEC-domain §2, for the bound tenant: refundCount30d (refunds requested in
-- the last 30 days, CANCELLED excluded) and refundTotal30d (APPROVED + PROCESSED of the refund's currency, as
-- numeric(12,2) text). The one definition: the facts read before deciding and the facts settled at the write.
CREATE OR REPLACE FUNCTION public.app_customer_refund_facts(p_customer_id uuid, p_currency text)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY INVOKER
AS $$
  SELECT pg_catalog.jsonb_build_object(
    'refundCount30d', count(*) FILTER (WHERE r.status <> 'CANCELLED'),
    'refundTotal30d', (coalesce(sum(r.amount) FILTER (WHERE r.status IN ('APPROVED', 'PROCESSED')
      AND r.currency = p_currency), 0)::numeric(12,2))::text)
  FROM public.refunds r
  WHERE r.organization_id = nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid
    AND r.customer_id = p_customer_id
    AND r.created_at >= now() - interval '30 days'
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_customer_refund_facts(uuid, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_customer_refund_facts(uuid, text) TO app_api;
--> statement-breakpoint

-- The customer's lock, taken first by every write that changes those facts (refund creation, approval,
-- cancellation): the customer's users row FOR NO KEY UPDATE. It does not conflict with the FOR KEY SHARE that
-- foreign-key checks of inserted refunds and tickets take. A null customer (no such refund) locks nothing.
CREATE OR REPLACE FUNCTION public.app_lock_customer_refunds(p_customer_id uuid)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
BEGIN
  PERFORM 1 FROM public.users u
  WHERE u.organization_id = nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid
    AND u.id = p_customer_id
  FOR NO KEY UPDATE;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_lock_customer_refunds(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_lock_customer_refunds(uuid) TO app_api;
--> statement-breakpoint

-- The first statement of a refund's write batch. Takes the customer's lock (above). Under it, reads
-- the facts afresh (a new snapshot: every writer before it has committed), keeps them for the batch's later
-- statements in the transaction-local setting app.refund_facts (the stored trace shows them), and checks that each
-- fact named in p_ranges ({"refundCount30d": {"min": 0, "max": 2}, …}, bounds inclusive, null unbounded) is
-- within its range, i.e. still decides as the decision assumed. If not: OA020 with the fresh facts (DETAIL, JSON),
-- the batch writes nothing, and the API decides again with them.
CREATE OR REPLACE FUNCTION public.app_settle_refund_facts(p_customer_id uuid, p_currency text, p_ranges jsonb)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
DECLARE
  v_org uuid := nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid;
  v_facts jsonb;
  v_fact text;
  v_range jsonb;
  v_value numeric;
BEGIN
  IF v_org IS NULL THEN
    RAISE EXCEPTION 'refund facts need a bound tenant' USING ERRCODE = 'OA012';
  END IF;

  PERFORM public.app_lock_customer_refunds(p_customer_id);

  v_facts := public.app_customer_refund_facts(p_customer_id, p_currency);
  EXECUTE pg_catalog.format('SET LOCAL app.refund_facts = %L', v_facts::text);

  FOR v_fact, v_range IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(coalesce(p_ranges, '{}'::jsonb)) e LOOP
    IF NOT v_facts ? v_fact THEN
      RAISE EXCEPTION 'unknown refund fact %', v_fact;
    END IF;
    v_value := (v_facts ->> v_fact)::numeric;
    IF (v_range ->> 'min' IS NOT NULL AND v_value < (v_range ->> 'min')::numeric)
       OR (v_range ->> 'max' IS NOT NULL AND v_value > (v_range ->> 'max')::numeric) THEN
      RAISE EXCEPTION 'the customer''s refund facts changed' USING ERRCODE = 'OA020', DETAIL = v_facts::text;
    END IF;
  END LOOP;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_settle_refund_facts(uuid, text, jsonb) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_settle_refund_facts(uuid, text, jsonb) TO app_api;
--> statement-breakpoint

-- The Idempotency-Key peek of a keyed request's read batch (before its work): the same answers as
-- app_claim_idempotency_key for a key already used, so a replay is detected in the request's first round trip:
--   same key, same request, completed            → OA010 with the stored status and resource (DETAIL, JSON);
--   same key, another request (fingerprint)      → OA011;
--   otherwise (new, expired, or in flight)       → nothing: the work's batch claims the key as before.
CREATE OR REPLACE FUNCTION public.app_peek_idempotency_key(p_key text, p_fingerprint text)
RETURNS void
LANGUAGE plpgsql
STABLE
SECURITY INVOKER
AS $$
DECLARE
  v_org uuid := nullif(pg_catalog.current_setting('app.organization_id', true), '')::uuid;
  v_caller uuid := nullif(pg_catalog.current_setting('app.principal_id', true), '')::uuid;
  v_row public.idempotency_keys%ROWTYPE;
BEGIN
  IF v_org IS NULL OR v_caller IS NULL THEN
    RAISE EXCEPTION 'idempotency keys need a bound tenant and caller' USING ERRCODE = 'OA012';
  END IF;

  SELECT * INTO v_row FROM public.idempotency_keys k
  WHERE k.organization_id = v_org AND k.caller_id = v_caller AND k.key = p_key AND k.expires_at >= now();
  IF NOT FOUND THEN
    RETURN;
  END IF;

  IF v_row.fingerprint <> p_fingerprint THEN
    RAISE EXCEPTION 'idempotency key reused for another request' USING ERRCODE = 'OA011';
  END IF;
  IF v_row.completed_at IS NOT NULL THEN
    RAISE EXCEPTION 'idempotent replay' USING ERRCODE = 'OA010',
      DETAIL = pg_catalog.json_build_object('status', v_row.status_code, 'path', v_row.resource_path)::text;
  END IF;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_peek_idempotency_key(text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_peek_idempotency_key(text, text) TO app_api;
