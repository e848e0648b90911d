-- Custom migration: representatives' languages are stored lower-cased. Language tags (BCP 47) are case-insensitive;
-- the API now lower-cases them on input (src/lib/schemas.ts `languageTag`) and compares customers' preferences and
-- the list filter against the lower-cased form, so a representative saved earlier as `["EN"]` must be lowered too or
-- it would stay unmatched. Lowers ASCII letters only (`collate "C"`), as the API does; keeps the order, and any
-- element that is not a string as it is. Runs as the migration owner (not subject to RLS, as in 0012). Idempotent:
-- only rows whose languages change are written.
--
-- Each written row gets the next version and updated_at, as every API write does (its ETag must change with its
-- representation), and representatives_record_event records a `representative.updated` event of it with the
-- previous `languages`, actor SYSTEM (no request bound). That is wanted: the representation did change, and feed and
-- webhook readers that keep representatives learn the new spelling the way they learn any other change.
WITH lowered AS (
  SELECT r.organization_id, r.id,
    coalesce((
      SELECT jsonb_agg(
        CASE WHEN jsonb_typeof(l.v) = 'string' THEN to_jsonb(lower((l.v #>> '{}') COLLATE "C")) ELSE l.v END
        ORDER BY l.n)
      FROM jsonb_array_elements(r.languages) WITH ORDINALITY AS l(v, n)
    ), '[]'::jsonb) AS languages
  FROM public.representatives r
  WHERE r.languages::text ~ '[A-Z]'
)
UPDATE public.representatives r
SET languages = lowered.languages,
    version = r.version + 1,
    updated_at = greatest(now(), r.updated_at)
FROM lowered
WHERE r.organization_id = lowered.organization_id
  AND r.id = lowered.id
  AND r.languages <> lowered.languages;
