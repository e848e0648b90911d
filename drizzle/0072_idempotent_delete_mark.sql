-- Idempotency-Key on hard DELETEs (src/db/tenant.ts TenantDb.expectDeleted): a key completes only if its DELETE
-- removed the row, and a deleted row is no longer there to compare xmin with. The DELETE's RETURNING calls this
-- for each row it removes; the key's completion, later in the same transaction, reads the flag. app_api may not
-- execute set_config itself (0003), so this sets only this one transaction-local flag, as the owner. (A function's
-- SET clause restores only the variables it names, so the pinned search_path leaves the flag set.)
CREATE FUNCTION public.app_mark_deleted()
RETURNS boolean
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.set_config('app.deleted', 'on', true) IS NOT NULL $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_mark_deleted() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_mark_deleted() TO app_api;
