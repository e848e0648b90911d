-- Custom migration: events.owner_id (migration 0058), the caller that reads an event's object under its read route's
-- ownership rule (src/resources/events/event-objects.ts, ownedObjectTypes: an escalation's agent_configuration_id,
-- the AGENT that opened it). The feed compares it (`owner_id = <caller>`, a LEAKPROOF uuid comparison, so an index
-- condition of events_organization_id_owner_id_created_at_ordinal_idx under RLS) instead of `object ->> …`, which
-- RLS keeps a filter: an AGENT that opened few escalations would read every escalation event of the window.
-- Runs as the migration owner (not subject to RLS, as in 0012, 0031 and 0032).
--
-- Why a trigger, not a generated column: adding a STORED generated column rewrites the whole table; a nullable column
-- without default (0058) does not, and only the events that have an owner (escalations) are written below.

-- 1. The key of the stored object (a column name of the object's table) that names its owner, per object type; null:
-- no owner. ONE place in SQL for the rule; test/events/feed-owner.test.ts holds it to ownedObjectTypes() for every
-- role that reads the feed (a new ownership rule fails that test until added here).
CREATE OR REPLACE FUNCTION public.app_event_owner_key(object_type text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE object_type WHEN 'escalation' THEN 'agent_configuration_id' END
$$;
--> statement-breakpoint

-- 2. BEFORE INSERT on events: owner_id from the stored object. Events never change (app_api cannot write them), so
-- an insert is the only moment.
CREATE OR REPLACE FUNCTION public.app_set_event_owner()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.owner_id := (NEW.object ->> public.app_event_owner_key(NEW.object_type))::uuid;
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_set_event_owner() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER events_set_owner BEFORE INSERT ON public.events
  FOR EACH ROW EXECUTE FUNCTION public.app_set_event_owner();
--> statement-breakpoint
-- ALWAYS: owner_id is a function of the row, like a generated column, so it holds however the row is written, also
-- with session_replication_role = replica (a logical replica's apply, a bulk load with the other triggers off).
ALTER TABLE public.events ENABLE ALWAYS TRIGGER events_set_owner;
--> statement-breakpoint

-- 3. The events already recorded (30 days at most): only those of an object type with an owner key are written.
UPDATE public.events
SET owner_id = (object ->> public.app_event_owner_key(object_type))::uuid
WHERE public.app_event_owner_key(object_type) IS NOT NULL
  AND owner_id IS DISTINCT FROM (object ->> public.app_event_owner_key(object_type))::uuid;
