import { describe, expect, it } from 'vitest'
import { PairFilter, PairSet } from '../lib/pairset'
import { Random } from '../lib/random'
import { Vocab } from './vocab'

describe('Vocab', () => {
  it('numbers keys in order of first appearance and counts them, like a Map, through many growths', () => {
    const rng = new Random(1)
    const vocab = new Vocab()
    const expected = new Map<string, number>()
    const counts: number[] = []
    const got: number[] = []
    const want: number[] = []
    for (let i = 0; i < 50_000; i++) {
      const key = rng.chance(0.01) ? `k${rng.int(1e9)}é` : `k${rng.skewed(20_000, 2)}`
      if (!expected.has(key)) expected.set(key, expected.size)
      const idx = expected.get(key)!
      counts[idx] = (counts[idx] ?? 0) + 1
      want.push(idx)
      got.push(vocab.add(key))
    }
    expect(got).toEqual(want)
    expect(vocab.keys).toEqual([...expected.keys()])
    expect(Array.from({ length: vocab.size }, (_, i) => vocab.count(i))).toEqual(counts)
  })

  it('looks keys up as spans of a line without confusing prefixes or equal hashes', () => {
    const vocab = new Vocab()
    const line = 'ab,abc,a,ab'
    const span = (start: number, end: number) => vocab.addSpan({ text: line, start, end })
    expect([span(0, 2), span(3, 6), span(7, 8), span(9, 11)]).toEqual([0, 1, 2, 0])
    expect(vocab.keys).toEqual(['ab', 'abc', 'a'])
    expect(vocab.get('abc')).toBe(1)
    expect(vocab.get('b')).toBeUndefined()
    expect(vocab.index('new')).toBe(3)
    expect(vocab.count(3)).toBe(0)
  })

  it('yields entity records with labels, metadata and frequencies', () => {
    const vocab = new Vocab()
    vocab.add('x')
    vocab.add('y')
    vocab.add('x')
    expect([...vocab.entities((key, i) => ({ label: `${key}!`, metadata: { i: String(i) } }))]).toEqual([
      { key: 'x', label: 'x!', metadata: { i: '0' }, frequency: 2 },
      { key: 'y', label: 'y!', metadata: { i: '1' }, frequency: 1 },
    ])
  })
})

describe('PairSet', () => {
  it('counts distinct pairs like a Set of packed pairs, through growth', () => {
    const rng = new Random(2)
    const set = new PairSet()
    const reference = new Set<number>()
    const got: boolean[] = []
    const want: boolean[] = []
    for (let i = 0; i < 100_000; i++) {
      const l = rng.int(300)
      const r = rng.int(2000)
      want.push(!reference.has(l * 2000 + r))
      got.push(set.add(l, r))
      reference.add(l * 2000 + r)
    }
    expect(got).toEqual(want)
    expect(set.size).toBe(reference.size)
    expect(set.has(0, 0)).toBe(reference.has(0))
    expect(set.has(5000, 5000)).toBe(false)
  })
})

describe('PairFilter', () => {
  it('never misses an added pair, and passes few others (about 1 − e^(−1/16) ≈ 6 %)', () => {
    const rng = new Random(4)
    const n = 50_000
    const filter = new PairFilter(n)
    const set = new PairSet(n)
    while (set.size < n) {
      const l = rng.int(5000), r = rng.int(5000)
      if (set.add(l, r)) filter.add(l, r)
    }
    let missed = 0, passed = 0, absent = 0
    for (let l = 0; l < 5000; l += 7) {
      for (let r = 0; r < 5000; r += 3) {
        if (set.has(l, r)) missed += filter.mayHave(l, r) ? 0 : 1
        else {
          absent++
          passed += filter.mayHave(l, r) ? 1 : 0
        }
      }
    }
    expect(missed).toBe(0)
    // 50,000 pairs in 2^20 bits: 1 − e^(−50000/1048576) ≈ 4.7 %
    expect(passed / absent).toBeGreaterThan(0.03)
    expect(passed / absent).toBeLessThan(0.065)
  })
})
