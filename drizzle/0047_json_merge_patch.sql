-- Custom migration: RFC 7396 JSON Merge Patch of a jsonb value, for PATCH /v1/organization's `settings`
-- (organizations.index.ts). The UPDATE merges into the row as it stands (`settings = app_json_merge_patch(settings,
-- $patch)`): under READ COMMITTED a PATCH that waited for another's row lock merges into that one's result, so
-- simultaneous PATCHes of different keys all survive. A patch that is not an object replaces the target; an object
-- merges key by key, recursively (a non-object target counts as {}); a null deletes its key and is never stored.
-- Recursion is bounded by the 8 levels of a free-form object. Pure: IMMUTABLE, search_path pinned. Idempotent.
CREATE OR REPLACE FUNCTION public.app_json_merge_patch(target jsonb, patch jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN jsonb_typeof(patch) IS DISTINCT FROM 'object' THEN patch ELSE (
    SELECT coalesce(jsonb_object_agg(key,
        CASE WHEN p.value IS NULL THEN t.value ELSE public.app_json_merge_patch(t.value, p.value) END), '{}'::jsonb)
    FROM jsonb_each(CASE WHEN jsonb_typeof(target) = 'object' THEN target ELSE '{}'::jsonb END) t
    FULL JOIN jsonb_each(patch) p USING (key)
    WHERE p.value IS DISTINCT FROM 'null'::jsonb
  ) END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_json_merge_patch(jsonb, jsonb) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_json_merge_patch(jsonb, jsonb) TO app_api;
