import { afterEach, describe, expect, it } from 'vitest'
import { readBack, runImport, tempWorld, type TempWorld } from '../data/testing'
import type { Interactions } from '../store/datasets'
import type { RatingTriples } from './model'
import { predefinedTrainRows, splitRatings, type SplitSpec } from './split'

const SPEC: SplitSpec = { split: 'random', testRatio: 0.2, splitSeed: 1, validationRatio: 0, seed: 42 }

/** nUsers × nItems ratings, each user rating `perUser` items; value and timestamp derived from the position. */
function synthetic(nUsers: number, nItems: number, perUser: number): Interactions {
  const n = nUsers * perUser
  const left = new Int32Array(n)
  const right = new Int32Array(n)
  const value = new Float32Array(n)
  const ts = new Float64Array(n)
  for (let k = 0; k < n; k++) {
    const u = k % nUsers // users interleaved, as in a real file
    const j = Math.floor(k / nUsers)
    left[k] = u
    right[k] = (u * 7 + j * 3) % nItems
    value[k] = 1 + ((u + j) % 5)
    ts[k] = 1000 + ((k * 7919) % 1009) // not in file order
  }
  return { left, right, value, ts }
}

/** "user:item:rating" per triple, so parts can be compared as multisets of ratings. */
const keys = (t: RatingTriples): string[] => Array.from({ length: t.n }, (_, k) => `${t.user[k]}:${t.item[k]}:${t.rating[k]}`)
const allKeys = (x: Interactions): string[] => Array.from(x.left, (u, k) => `${u}:${x.right[k]}:${x.value![k]}`)
const sorted = (a: string[]): string[] => a.slice().sort()

describe('splitRatings', () => {
  const data = synthetic(30, 40, 7) // 210 ratings, (user, item) pairs unique

  it('random: exactly round(n · testRatio) test ratings, disjoint parts whose union is all, file order kept', () => {
    const s = splitRatings(data, { ...SPEC, testRatio: 0.23, validationRatio: 0.1 }, 30, 40)
    const n = data.left.length
    const nTest = Math.round(n * 0.23) // 48
    const nValidation = Math.round((n - nTest) * 0.1) // round(16.2) = 16
    expect(s.test.n).toBe(nTest)
    expect(s.validation!.n).toBe(nValidation)
    expect(s.train.n).toBe(n - nTest - nValidation)
    const parts = [...keys(s.train), ...keys(s.validation!), ...keys(s.test)]
    expect(new Set(parts).size).toBe(n) // disjoint (pairs are unique)
    expect(sorted(parts)).toEqual(sorted(allKeys(data))) // union = all
    expect(s.scale).toEqual({ min: 1, max: 5 })
    expect(s).toMatchObject({ kind: 'random', nUsers: 30, nItems: 40 })
    // Each part keeps file order: positions in the file increase.
    const position = new Map(allKeys(data).map((key, k) => [key, k]))
    for (const t of [s.train, s.validation!, s.test]) {
      const at = keys(t).map((key) => position.get(key)!)
      expect(at).toEqual(at.slice().sort((a, b) => a - b))
    }
  })

  it('is deterministic for a spec; the split seed moves the test, the run seed only the validation share', () => {
    const spec = { ...SPEC, validationRatio: 0.2 }
    const a = splitRatings(data, spec, 30, 40)
    const b = splitRatings(data, spec, 30, 40)
    expect(keys(a.train)).toEqual(keys(b.train))
    expect(keys(a.validation!)).toEqual(keys(b.validation!))
    expect(keys(a.test)).toEqual(keys(b.test))

    const otherSplit = splitRatings(data, { ...spec, splitSeed: 2 }, 30, 40)
    expect(keys(otherSplit.test)).not.toEqual(keys(a.test))

    const otherSeed = splitRatings(data, { ...spec, seed: 43 }, 30, 40)
    expect(keys(otherSeed.test)).toEqual(keys(a.test))
    expect(keys(otherSeed.validation!)).not.toEqual(keys(a.validation!))
  })

  it('without a validation ratio, validation is null', () => {
    expect(splitRatings(data, SPEC, 30, 40).validation).toBeNull()
  })

  it('leave-last-out: each user with ≥ 2 ratings leaves out the latest (ties: the later in file order)', () => {
    // user 0: ts 5, 9, 9 → the second 9 (row 3); user 1: one rating → stays in train; user 2: ts 3, 1 → row 4
    const x: Interactions = {
      left: Int32Array.from([0, 0, 0, 2, 1, 2]),
      right: Int32Array.from([0, 1, 2, 0, 1, 3]),
      value: Float32Array.from([1, 2, 3, 4, 5, 2]),
      ts: Float64Array.from([5, 9, 9, 3, 7, 1]),
    }
    const s = splitRatings(x, { ...SPEC, split: 'leave-last-out' }, 3, 4)
    expect(keys(s.test)).toEqual(['0:2:3', '2:0:4'])
    expect(keys(s.train)).toEqual(['0:0:1', '0:1:2', '1:1:5', '2:3:2'])
  })

  it('leave-last-out on synthetic data: one test rating per user, the one with the greatest timestamp', () => {
    const s = splitRatings(data, { ...SPEC, split: 'leave-last-out', validationRatio: 0.25 }, 30, 40)
    expect(s.test.n).toBe(30)
    for (let k = 0; k < s.test.n; k++) {
      const u = s.test.user[k]!
      let latest = -1
      for (let r = 0; r < data.left.length; r++) if (data.left[r] === u && (latest < 0 || data.ts![r]! >= data.ts![latest]!)) latest = r
      expect(s.test.item[k]).toBe(data.right[latest])
    }
    const validation = new Set(keys(s.validation!))
    expect(keys(s.test).some((key) => validation.has(key))).toBe(false)
  })

  it('predefined: the first trainRows are train, the rest test', () => {
    const s = splitRatings(data, { ...SPEC, split: 'predefined', validationRatio: 0.1 }, 30, 40, 150)
    expect(keys(s.test)).toEqual(allKeys(data).slice(150))
    expect(s.train.n + s.validation!.n).toBe(150)
    expect(sorted([...keys(s.train), ...keys(s.validation!)])).toEqual(sorted(allKeys(data).slice(0, 150)))
  })

  it.each([
    ['no values', { ...data, value: null }, SPEC, undefined, /not a ratings dataset/],
    ['no timestamps for leave-last-out', { ...data, ts: null }, { ...SPEC, split: 'leave-last-out' }, undefined, /needs timestamps/],
    ['no predefined split', data, { ...SPEC, split: 'predefined' }, null, /no predefined split/],
    ['a broken predefined split', data, { ...SPEC, split: 'predefined' }, 999, /999 training rows of 210/],
  ] as const)('fails clearly on %s', (_name, x, spec, trainRows, message) => {
    expect(() => splitRatings(x, spec as SplitSpec, 30, 40, trainRows)).toThrow(message)
  })

  it('predefinedTrainRows reads the dataset options', () => {
    expect(predefinedTrainRows({ predefinedSplit: { trainRows: 12, testFile: 'u1.test' } })).toBe(12)
    expect(predefinedTrainRows({ sample: 'ratings' })).toBeNull()
  })
})

describe('predefined split of an imported MovieLens train + test pair', () => {
  let world: TempWorld | null = null
  afterEach(() => world?.cleanup())

  it('uses the boundary recorded by the import', async () => {
    world = tempWorld()
    const base = world.file('u1.base', ['1\t10\t5\t100', '1\t20\t3\t101', '2\t10\t4\t102', '3\t30\t2\t103'].join('\n'))
    const test = world.file('u1.test', ['2\t20\t1\t104', '4\t10\t5\t105'].join('\n'))
    const { result } = await runImport(world, { format: 'movielens', file: { path: base }, testPath: test })
    const back = readBack(world, result.datasetId as number)
    const trainRows = predefinedTrainRows(back.dataset.options)
    expect(trainRows).toBe(4)
    const s = splitRatings(back.interactions, { ...SPEC, split: 'predefined' }, back.left.length, back.right.length, trainRows)
    const named = (t: RatingTriples) => Array.from({ length: t.n }, (_, k) => `${back.left[t.user[k]!]!.key}:${back.right[t.item[k]!]!.key}:${t.rating[k]}`)
    expect(named(s.train)).toEqual(['1:10:5', '1:20:3', '2:10:4', '3:30:2'])
    expect(named(s.test)).toEqual(['2:20:1', '4:10:5'])
  })
})
