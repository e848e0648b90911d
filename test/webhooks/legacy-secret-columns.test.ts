import { getTableColumns } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { webhookEndpoints } from '../../src/db/schema'
import { WEBHOOK_MAX_PREVIOUS_SECRETS } from '../../src/webhooks/signature'
import { ownerSql } from '../support/db'

/*
 * Expand, then contract (migrations 0049 and 0052): the one-slot previous_secret columns, emptied by 0049, are no
 * longer named by this release's code, but stay in the database until the next release's migration drops them:
 * the Worker still serving between this release's `migrate` and its `deploy` selects every column its drizzle
 * table declared, these two included.
 */

const legacy = ['previous_secret', 'previous_secret_expires_at']

describe('webhook_endpoints: the columns replaced by previous_secrets', () => {
  it('are not declared by the drizzle table (so this Worker never selects them)', () => {
    const declared = Object.values(getTableColumns(webhookEndpoints)).map((column) => column.name)
    expect(declared).toContain('previous_secrets')
    for (const name of legacy) expect(declared).not.toContain(name)
  })

  it('still exist in the database, for the previous Worker, marked as unused', async () => {
    const rows =
      (await ownerSql`select a.attname::text as name, col_description(a.attrelid, a.attnum) as comment
      from pg_catalog.pg_attribute a
      where a.attrelid = 'public.webhook_endpoints'::regclass and not a.attisdropped
        and a.attname in ('previous_secret', 'previous_secret_expires_at')
      order by a.attname`) as Array<{ name: string; comment: string | null }>
    expect(rows.map((row) => row.name)).toEqual(legacy)
    for (const row of rows) expect(row.comment).toMatch(/^Unused since 0049/)
  })
})

describe('webhook_endpoints_previous_secrets_bound', () => {
  it('bounds previous_secrets in the database at WEBHOOK_MAX_PREVIOUS_SECRETS, the limit the rotation enforces', async () => {
    const [row] = (await ownerSql`select pg_get_constraintdef(oid) as def from pg_catalog.pg_constraint
      where conrelid = 'public.webhook_endpoints'::regclass
        and conname = 'webhook_endpoints_previous_secrets_bound'`) as Array<{ def: string }>
    expect(row?.def).toContain(`jsonb_array_length(previous_secrets) <= ${WEBHOOK_MAX_PREVIOUS_SECRETS})`)
  })
})
