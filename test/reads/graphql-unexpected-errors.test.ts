import { GraphQLError } from 'graphql'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { withCode } from '../../src/reads/graphql/execute'

afterEach(() => vi.restoreAllMocks())

describe('GraphQL errors nobody expected', () => {
  it('answer INTERNAL_ERROR without details, and leave an error log line with what happened', () => {
    const lines: string[] = []
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
      lines.push(String(line))
    })
    const cause = new TypeError("Cannot read properties of undefined (reading 'id')")
    const answered = withCode(
      new GraphQLError(cause.message, { path: ['ticket', 'state'], originalError: cause }),
    )

    expect(answered.message).toBe('An unexpected error occurred.')
    expect(answered.extensions).toEqual({ code: 'INTERNAL_ERROR' })
    expect(answered.path).toEqual(['ticket', 'state'])
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'error',
      message: 'a GraphQL field failed',
      path: ['ticket', 'state'],
      error: { name: 'TypeError', message: cause.message },
    })
  })

  it('log nothing for an error with a code (the client’s)', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    const answered = withCode(new GraphQLError('No such ticket.', { extensions: { code: 'NOT_FOUND' } }))
    expect(answered.extensions).toEqual({ code: 'NOT_FOUND' })
    expect(spy).not.toHaveBeenCalled()
  })
})
