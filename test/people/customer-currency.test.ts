import { describe, expect, it } from 'vitest'
import { api, json } from '../support/api'
import { ownerSql } from '../support/db'
import { createTenant } from '../support/tenants'

/*
 * A customer's lifetimeValue is money: an amount and the profile's currency (USD unless given at creation). A rule
 * on customer.lifetimeValue reads it only for refunds in that currency, so the team must be able to correct the
 * currency with the amount, as it corrects the amount: PATCH /v1/customers/{id} takes `currency` (staff only).
 */
describe('a customer’s currency', () => {
  it('staff change it with the lifetime value; a CUSTOMER may not; an unknown code is 422', async () => {
    const t = await createTenant()
    const path = `/v1/customers/${t.customerId}`
    const changed = await api(path, {
      method: 'PATCH',
      token: t.tokens.REPRESENTATIVE,
      body: { currency: 'EUR', lifetimeValue: '2500.00' },
    })
    expect(changed.status, await changed.clone().text()).toBe(200)
    expect((await json<{ profile: unknown }>(changed)).profile).toMatchObject({
      currency: 'EUR',
      lifetimeValue: '2500.00',
    })
    const [row] =
      await ownerSql`select currency, lifetime_value from customer_profiles where user_id = ${t.customerId}`
    expect(row).toMatchObject({ currency: 'EUR', lifetime_value: '2500.00' })

    const own = await api(path, { method: 'PATCH', token: t.tokens.CUSTOMER, body: { currency: 'GBP' } })
    expect(own.status).toBe(403)
    expect(await json(own)).toMatchObject({ code: 'FORBIDDEN_FIELD' })
    const unknown = await api(path, { method: 'PATCH', token: t.tokens.ADMIN, body: { currency: 'euro' } })
    expect(unknown.status).toBe(422)
    const [after] = await ownerSql`select currency from customer_profiles where user_id = ${t.customerId}`
    expect(after?.currency).toBe('EUR')
  })
})
