CREATE TYPE "public"."message_author_type" AS ENUM('CUSTOMER', 'REPRESENTATIVE', 'AGENT', 'SYSTEM');--> statement-breakpoint
CREATE TYPE "public"."message_format" AS ENUM('TEXT', 'MARKDOWN');--> statement-breakpoint
CREATE TYPE "public"."message_visibility" AS ENUM('PUBLIC', 'INTERNAL');--> statement-breakpoint
CREATE TABLE "message_attachments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_attachments_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "message_attachments_storage_key_key" UNIQUE("storage_key"),
	CONSTRAINT "message_attachments_file_name" CHECK (btrim(file_name) <> '' and char_length(file_name) <= 255 and strpos(file_name, '/') = 0
        and strpos(file_name, chr(92)) = 0 and file_name !~ '[[:cntrl:]]'),
	CONSTRAINT "message_attachments_content_type_format" CHECK (content_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
	CONSTRAINT "message_attachments_size" CHECK (size_bytes > 0 and size_bytes <= 10485760),
	CONSTRAINT "message_attachments_sha256_format" CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "message_attachments_storage_key_tenant" CHECK (starts_with(storage_key, organization_id::text || '/'))
);
--> statement-breakpoint
ALTER TABLE "message_attachments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"author_type" "message_author_type" NOT NULL,
	"author_user_id" uuid,
	"author_agent_id" uuid,
	"visibility" "message_visibility" DEFAULT 'PUBLIC' NOT NULL,
	"format" "message_format" DEFAULT 'TEXT' NOT NULL,
	"body" text,
	"metadata" jsonb,
	"redacted_at" timestamp (3) with time zone,
	"redacted_by_user_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messages_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "messages_author" CHECK ((author_type in ('CUSTOMER', 'REPRESENTATIVE') and author_user_id is not null and author_agent_id is null)
        or (author_type = 'AGENT' and author_agent_id is not null and author_user_id is null)
        or (author_type = 'SYSTEM' and author_user_id is null and author_agent_id is null)),
	CONSTRAINT "messages_body_size" CHECK (octet_length(body) <= 32768),
	CONSTRAINT "messages_body_not_blank" CHECK (btrim(body) <> ''),
	CONSTRAINT "messages_redaction" CHECK ((redacted_at is null and redacted_by_user_id is null and body is not null)
        or (redacted_at is not null and redacted_by_user_id is not null and body is null)),
	CONSTRAINT "messages_metadata" CHECK (metadata is null or (jsonb_typeof(metadata) = 'object' and author_type in ('AGENT', 'SYSTEM')))
);
--> statement-breakpoint
ALTER TABLE "messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ticket_search_terms" (
	"organization_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"internal" boolean NOT NULL,
	"lexeme" text NOT NULL,
	"customer_id" uuid NOT NULL,
	"documents" integer DEFAULT 1 NOT NULL,
	"last_mentioned_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "ticket_search_terms_pkey" PRIMARY KEY("organization_id","ticket_id","internal","lexeme"),
	CONSTRAINT "ticket_search_terms_documents_positive" CHECK (documents > 0)
);
--> statement-breakpoint
ALTER TABLE "ticket_search_terms" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "first_response_by_type" "message_author_type";--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "first_response_by_id" uuid;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_message_fk" FOREIGN KEY ("organization_id","message_id") REFERENCES "public"."messages"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_ticket_fk" FOREIGN KEY ("organization_id","ticket_id") REFERENCES "public"."tickets"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_author_user_fk" FOREIGN KEY ("organization_id","author_user_id") REFERENCES "public"."users"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_author_agent_fk" FOREIGN KEY ("organization_id","author_agent_id") REFERENCES "public"."agent_configurations"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_redacted_by_user_fk" FOREIGN KEY ("organization_id","redacted_by_user_id") REFERENCES "public"."users"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_search_terms" ADD CONSTRAINT "ticket_search_terms_organization_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_search_terms" ADD CONSTRAINT "ticket_search_terms_ticket_fk" FOREIGN KEY ("organization_id","ticket_id") REFERENCES "public"."tickets"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_attachments_organization_id_message_id_created_at_id_idx" ON "message_attachments" USING btree ("organization_id","message_id","created_at","id");--> statement-breakpoint
CREATE INDEX "messages_organization_id_ticket_id_created_at_id_idx" ON "messages" USING btree ("organization_id","ticket_id","created_at","id");--> statement-breakpoint
CREATE INDEX "messages_organization_id_author_user_id_idx" ON "messages" USING btree ("organization_id","author_user_id") WHERE author_user_id is not null;--> statement-breakpoint
CREATE INDEX "messages_organization_id_author_agent_id_idx" ON "messages" USING btree ("organization_id","author_agent_id") WHERE author_agent_id is not null;--> statement-breakpoint
CREATE INDEX "messages_organization_id_redacted_by_user_id_idx" ON "messages" USING btree ("organization_id","redacted_by_user_id") WHERE redacted_by_user_id is not null;--> statement-breakpoint
CREATE INDEX "ticket_search_terms_lexeme_idx" ON "ticket_search_terms" USING btree ("organization_id","lexeme","last_mentioned_at","ticket_id");--> statement-breakpoint
CREATE INDEX "ticket_search_terms_customer_lexeme_idx" ON "ticket_search_terms" USING btree ("organization_id","customer_id","internal","lexeme","last_mentioned_at");--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_first_response_by" CHECK ((first_response_by_type is null and first_response_by_id is null)
        or (first_response_by_type in ('REPRESENTATIVE', 'AGENT') and first_response_by_id is not null
          and first_response_at is not null));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "message_attachments" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "customer_readable_messages" ON "message_attachments" AS RESTRICTIVE FOR ALL TO public USING ((select nullif(current_setting('app.principal_role', true), '')) is distinct from 'CUSTOMER' or (exists (select 1 from public.messages m where m.organization_id = message_attachments.organization_id and m.id = message_attachments.message_id))) WITH CHECK ((select nullif(current_setting('app.principal_role', true), '')) is distinct from 'CUSTOMER' or (exists (select 1 from public.messages m where m.organization_id = message_attachments.organization_id and m.id = message_attachments.message_id)));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "messages" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "customer_public_messages" ON "messages" AS RESTRICTIVE FOR ALL TO public USING ((select nullif(current_setting('app.principal_role', true), '')) is distinct from 'CUSTOMER' or (visibility = 'PUBLIC' and exists (select 1 from public.tickets t where t.organization_id = messages.organization_id and t.id = messages.ticket_id and t.customer_id = (select nullif(current_setting('app.principal_id', true), '')::uuid)))) WITH CHECK ((select nullif(current_setting('app.principal_role', true), '')) is distinct from 'CUSTOMER' or (visibility = 'PUBLIC' and exists (select 1 from public.tickets t where t.organization_id = messages.organization_id and t.id = messages.ticket_id and t.customer_id = (select nullif(current_setting('app.principal_id', true), '')::uuid))));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "ticket_search_terms" AS PERMISSIVE FOR ALL TO public USING (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid)) WITH CHECK (organization_id = (select nullif(current_setting('app.organization_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "customer_public_terms" ON "ticket_search_terms" AS RESTRICTIVE FOR ALL TO public USING ((select nullif(current_setting('app.principal_role', true), '')) is distinct from 'CUSTOMER' or (internal = false and customer_id = (select nullif(current_setting('app.principal_id', true), '')::uuid))) WITH CHECK ((select nullif(current_setting('app.principal_role', true), '')) is distinct from 'CUSTOMER' or (internal = false and customer_id = (select nullif(current_setting('app.principal_id', true), '')::uuid)));--> statement-breakpoint
-- Custom migration: what drizzle-kit does not model for the conversations (messages, attachments, search).
-- Runs as the migration owner. Idempotent where Postgres allows it. See DATABASE.md, "Search under row-level
-- security". app_api's grants on the new tables come from the default privileges of 0001.

-- 1. RLS applies to the tables' owner too, like every other tenant table.
ALTER TABLE public.messages FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.message_attachments FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.ticket_search_terms FORCE ROW LEVEL SECURITY;
--> statement-breakpoint

-- 2. The search index is kept by the database in the writing transaction: every writer of tickets and messages
-- (the API's routes, refunds that open tickets, the seed, a future surface) keeps it right without knowing it.
-- SECURITY INVOKER: the index is written under the caller's own row-level security (a CUSTOMER's transaction
-- can only add and remove its own public terms, which is all it ever writes).
-- One text's distinct lexemes (english configuration: stemmed, stop words dropped), added to a ticket's postings
-- (in lexeme order, so concurrent writers of one ticket lock rows in one order) ...
CREATE OR REPLACE FUNCTION public.app_search_terms_add(
  p_organization_id uuid, p_ticket_id uuid, p_customer_id uuid, p_internal boolean, p_text text, p_at timestamptz
)
RETURNS void
LANGUAGE sql
VOLATILE
SECURITY INVOKER
AS $$
  INSERT INTO public.ticket_search_terms AS s
    (organization_id, ticket_id, internal, lexeme, customer_id, documents, last_mentioned_at)
  SELECT p_organization_id, p_ticket_id, p_internal, l.lexeme, p_customer_id, 1, p_at
  FROM pg_catalog.unnest(pg_catalog.tsvector_to_array(
    pg_catalog.to_tsvector('pg_catalog.english'::regconfig, coalesce(p_text, '')))) AS l(lexeme)
  ORDER BY l.lexeme
  ON CONFLICT (organization_id, ticket_id, internal, lexeme) DO UPDATE
  SET documents = s.documents + 1,
      last_mentioned_at = greatest(s.last_mentioned_at, excluded.last_mentioned_at)
$$;
--> statement-breakpoint
-- ... and removed from them (a lexeme another text of the ticket still holds stays).
CREATE OR REPLACE FUNCTION public.app_search_terms_remove(
  p_organization_id uuid, p_ticket_id uuid, p_internal boolean, p_text text
)
RETURNS void
LANGUAGE sql
VOLATILE
SECURITY INVOKER
AS $$
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
--> statement-breakpoint
-- A ticket's subject and description are one public text.
CREATE OR REPLACE FUNCTION public.app_index_ticket_text()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    PERFORM public.app_search_terms_remove(OLD.organization_id, OLD.id, false, OLD.subject || ' ' || OLD.description);
    IF OLD.customer_id IS DISTINCT FROM NEW.customer_id THEN
      UPDATE public.ticket_search_terms s SET customer_id = NEW.customer_id
      WHERE s.organization_id = NEW.organization_id AND s.ticket_id = NEW.id;
    END IF;
  END IF;
  PERFORM public.app_search_terms_add(NEW.organization_id, NEW.id, NEW.customer_id, false,
    NEW.subject || ' ' || NEW.description, CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at ELSE pg_catalog.now() END);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- A message is a text of its ticket, internal when it is an INTERNAL note; a redacted one (body NULL) is none.
CREATE OR REPLACE FUNCTION public.app_index_message_body()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
AS $$
DECLARE
  v_customer_id uuid;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.body IS NOT NULL THEN
    PERFORM public.app_search_terms_remove(OLD.organization_id, OLD.ticket_id, OLD.visibility = 'INTERNAL', OLD.body);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.body IS NOT NULL THEN
    SELECT t.customer_id INTO v_customer_id FROM public.tickets t
    WHERE t.organization_id = NEW.organization_id AND t.id = NEW.ticket_id;
    PERFORM public.app_search_terms_add(NEW.organization_id, NEW.ticket_id, v_customer_id,
      NEW.visibility = 'INTERNAL', NEW.body, NEW.created_at);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_search_terms_add(uuid, uuid, uuid, boolean, text, timestamptz) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_search_terms_remove(uuid, uuid, boolean, text) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_index_ticket_text() FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.app_index_message_body() FROM PUBLIC;
--> statement-breakpoint
-- The trigger functions call these as the writing role.
GRANT EXECUTE ON FUNCTION public.app_search_terms_add(uuid, uuid, uuid, boolean, text, timestamptz) TO app_api;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.app_search_terms_remove(uuid, uuid, boolean, text) TO app_api;
--> statement-breakpoint
DROP TRIGGER IF EXISTS tickets_search_terms_insert ON public.tickets;
--> statement-breakpoint
CREATE TRIGGER tickets_search_terms_insert AFTER INSERT ON public.tickets
  FOR EACH ROW EXECUTE FUNCTION public.app_index_ticket_text();
--> statement-breakpoint
DROP TRIGGER IF EXISTS tickets_search_terms_update ON public.tickets;
--> statement-breakpoint
CREATE TRIGGER tickets_search_terms_update AFTER UPDATE OF subject, description, customer_id ON public.tickets
  FOR EACH ROW
  WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.description IS DISTINCT FROM NEW.description
    OR OLD.customer_id IS DISTINCT FROM NEW.customer_id)
  EXECUTE FUNCTION public.app_index_ticket_text();
--> statement-breakpoint
DROP TRIGGER IF EXISTS messages_search_terms_insert ON public.messages;
--> statement-breakpoint
CREATE TRIGGER messages_search_terms_insert AFTER INSERT ON public.messages
  FOR EACH ROW EXECUTE FUNCTION public.app_index_message_body();
--> statement-breakpoint
DROP TRIGGER IF EXISTS messages_search_terms_update ON public.messages;
--> statement-breakpoint
CREATE TRIGGER messages_search_terms_update AFTER UPDATE OF body, visibility ON public.messages
  FOR EACH ROW
  WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.visibility IS DISTINCT FROM NEW.visibility)
  EXECUTE FUNCTION public.app_index_message_body();
--> statement-breakpoint
DROP TRIGGER IF EXISTS messages_search_terms_delete ON public.messages;
--> statement-breakpoint
CREATE TRIGGER messages_search_terms_delete AFTER DELETE ON public.messages
  FOR EACH ROW EXECUTE FUNCTION public.app_index_message_body();
--> statement-breakpoint

-- 3. Existing tickets enter the index (as the owner, who is not subject to RLS: a superuser or BYPASSRLS).
SELECT public.app_search_terms_add(t.organization_id, t.id, t.customer_id, false,
  t.subject || ' ' || t.description, t.created_at)
FROM public.tickets t
WHERE NOT EXISTS (SELECT 1 FROM public.ticket_search_terms s WHERE s.organization_id = t.organization_id AND s.ticket_id = t.id);
