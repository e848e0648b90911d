import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { prefixUpperBound } from '../../src/resources/users/users.data'

/** Postgres' `~<~` / `~>=~` (text_pattern_ops) compare the UTF-8 bytes. */
const bytes = (text: string) => new TextEncoder().encode(text)
function compareBytes(a: string, b: string): number {
  const [x, y] = [bytes(a), bytes(b)]
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  }
  return x.length - y.length
}

/** What `email ~>=~ prefix AND email ~<~ upper` selects (no upper bound: only the lower one). */
function inRange(text: string, prefix: string): boolean {
  const upper = prefixUpperBound(prefix)
  return compareBytes(text, prefix) >= 0 && (upper === undefined || compareBytes(text, upper) < 0)
}

describe('emailPrefix as a byte-wise range (the index condition next to LIKE)', () => {
  it('is the prefix with its last code point incremented', () => {
    expect(prefixUpperBound('ava.chen')).toBe('ava.cheo')
    expect(prefixUpperBound('a@')).toBe('aA')
    expect(prefixUpperBound('\u{D7FF}')).toBe('\u{E000}')
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b')
    expect(prefixUpperBound('\u{10FFFF}\u{10FFFF}')).toBeUndefined()
  })

  it('selects exactly the strings that start with the prefix', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 6 })
    fc.assert(
      fc.property(text, text, (prefix, rest) => {
        fc.pre(prefix.length > 0)
        expect(inRange(prefix + rest, prefix)).toBe(true)
      }),
    )
    fc.assert(
      fc.property(text, text, (candidate, prefix) => {
        fc.pre(prefix.length > 0)
        expect(inRange(candidate, prefix)).toBe(candidate.startsWith(prefix))
      }),
      { numRuns: 500 },
    )
  })
})
