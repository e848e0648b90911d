-- Custom migration: a word leaves a ticket's search index when its last text goes, also when two texts holding it go
-- at once (two messages redacted simultaneously). 0012's app_search_terms_remove read each posting's `documents`
-- in two statements without locking it first: the first redaction's DELETE (documents = 1) found 2 and skipped, the
-- second's UPDATE (documents > 1) waited for the first's decrement and then found 1 and skipped too, so the word of
-- two redacted messages stayed searchable with documents = 1 and no text holding it. The postings of the text are
-- now locked first (in lexeme order, the order app_search_terms_add writes them), so both statements read them as
-- they are once the other writer committed. Otherwise 0012's. Idempotent.
CREATE OR REPLACE FUNCTION public.app_search_terms_remove(
  p_organization_id uuid, p_ticket_id uuid, p_internal boolean, p_text text
)
RETURNS void
LANGUAGE sql
VOLATILE
SECURITY INVOKER
AS $$
  SELECT 1 FROM public.ticket_search_terms s
  WHERE s.organization_id = p_organization_id AND s.ticket_id = p_ticket_id AND s.internal = p_internal
    AND s.lexeme = ANY (pg_catalog.tsvector_to_array(
      pg_catalog.to_tsvector('pg_catalog.english'::regconfig, coalesce(p_text, ''))))
  ORDER BY s.lexeme
  FOR UPDATE;
  DELETE FROM public.ticket_search_terms s
  WHERE s.organization_id = p_organization_id AND s.ticket_id = p_ticket_id AND s.internal = p_internal
    AND s.documents = 1
    AND s.lexeme = ANY (pg_catalog.tsvector_to_array(
      pg_catalog.to_tsvector('pg_catalog.english'::regconfig, coalesce(p_text, ''))));
  UPDATE public.ticket_search_terms s SET documents = s.documents - 1
  WHERE s.organization_id = p_organization_id AND s.ticket_id = p_ticket_id AND s.internal = p_internal
    AND s.documents > 1
    AND s.lexeme = ANY (pg_catalog.tsvector_to_array(
      pg_catalog.to_tsvector('pg_catalog.english'::regconfig, coalesce(p_text, ''))));
$$;
