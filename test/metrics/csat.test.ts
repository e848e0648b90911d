import { describe, expect, it } from 'vitest'
import { seedPerformanceMetrics, seedTeamPerformance } from '../../scripts/seed/data'
import { api, json } from '../support/api'

/*
 * CSAT: the API records no satisfaction ratings, so there is nothing to compute a score from. The definitions
 * (metrics.data.ts), the document and docs/domain.md §5 say csatScore is always null; the seeded sample rows agree
 * (they used to carry invented scores), as the computed rows do (test/metrics/cron.test.ts).
 */
describe('csatScore: no ratings, no score', () => {
  it('the seeded metrics rows have no CSAT', () => {
    expect(seedPerformanceMetrics.length).toBeGreaterThan(0)
    expect(seedTeamPerformance.length).toBeGreaterThan(0)
    for (const row of [...seedPerformanceMetrics, ...seedTeamPerformance]) {
      expect(row.csatScore, row.id).toBeNull()
    }
  })

  it('the document says so on both metrics resources', async () => {
    const document = await json<{
      components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> }
    }>(await api('/openapi.json'))
    for (const name of ['PerformanceMetrics', 'TeamPerformance']) {
      expect(document.components.schemas[name]?.properties.csatScore?.description, name).toMatch(
        /always null/,
      )
    }
  })
})
