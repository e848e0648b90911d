-- A refund's deciding rule is part of its record (SPEC-domain §2): a rule that decided refunds can no longer be
-- deleted (the API answers 409 DECISION_RULE_IN_USE: deactivate it instead). ON DELETE SET NULL rewrote every refund
-- the rule decided, without a new version, one refund.updated event each, holding their locks for seconds.
-- One statement, so there is no moment without the reference checked. NOT VALID skips re-reading every refund under
-- a lock that blocks their writes: the constraint it replaces held the same reference for every stored row.
-- Enforced for every write from here on; `ALTER TABLE refunds VALIDATE CONSTRAINT refunds_decision_rule_fk` may be
-- run at any time without blocking writes.
ALTER TABLE "refunds"
  DROP CONSTRAINT "refunds_decision_rule_fk",
  ADD CONSTRAINT "refunds_decision_rule_fk" FOREIGN KEY ("organization_id","decision_rule_id")
    REFERENCES "public"."decision_rules"("organization_id","id") ON DELETE no action ON UPDATE no action NOT VALID;
