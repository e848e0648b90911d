-- At most 1,000 active decision rules per organization. A refund's decision reads the active rules that apply to
-- it in evaluation order, at most 1,000 of them (refund-decision.ts): a 1,001st applicable rule would silently never
-- run. So the database refuses the active rule past the limit (OA050 → 422 RULE_LIMIT_REACHED) instead, on insert
-- and on reactivation; inactive rules are not limited. Concurrent activations of one organization take a
-- transaction-level advisory lock (keyed like app_lock_metrics_recompute's: a hash of a name and the organization
-- id) before counting, so two of them never both see 999. Organizations already past the limit keep their rules;
-- they only cannot add active ones until they are below it.
CREATE OR REPLACE FUNCTION public.app_limit_active_decision_rules()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
BEGIN
  IF NEW.is_active AND (TG_OP = 'INSERT' OR NOT OLD.is_active) THEN
    PERFORM pg_catalog.pg_advisory_xact_lock(
      ('x' || pg_catalog.substr(pg_catalog.md5('decision-rules:' || NEW.organization_id::text), 1, 16))::bit(64)::bigint
    );
    IF (SELECT count(*) FROM public.decision_rules
        WHERE organization_id = NEW.organization_id AND is_active AND id <> NEW.id) >= 1000 THEN
      RAISE EXCEPTION 'an organization has at most 1000 active decision rules' USING ERRCODE = 'OA050';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER decision_rules_active_limit BEFORE INSERT OR UPDATE OF is_active ON public.decision_rules
  FOR EACH ROW EXECUTE FUNCTION public.app_limit_active_decision_rules();
