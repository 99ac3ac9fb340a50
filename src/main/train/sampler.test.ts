/**
 * The pair sampler: every true pair once per epoch as a positive, negatives
 * never true pairs (through the PairFilter + PairSet rejection), and each
 * epoch's batches a function of (seed, epoch) alone — what resume relies on.
 */
import { describe, expect, it } from 'vitest'
import { Random } from '../lib/random'
import type { Batch } from './engine'
import { PairSampler } from './sampler'

/** A dense bipartite set (40 % of all 60 × 50 pairs true), so rejections are frequent. */
function densePairs(seed: number): { left: Int32Array; right: Int32Array } {
  const rng = new Random(seed)
  const left: number[] = [], right: number[] = []
  for (let l = 0; l < 60; l++) {
    for (let r = 0; r < 50; r++) {
      if (!rng.chance(0.4)) continue
      left.push(l)
      right.push(r)
    }
  }
  return { left: Int32Array.from(left), right: Int32Array.from(right) }
}

function epochBatches(s: PairSampler, epoch: number): Batch[] {
  s.startEpoch(epoch)
  return Array.from({ length: s.stepsPerEpoch }, () => {
    const b = s.newBatch()
    s.next(b)
    return b
  })
}

describe('PairSampler', () => {
  const { left, right } = densePairs(3)
  const truth = new Set(Array.from(left, (l, i) => `${l},${right[i]}`))
  const make = (variant: 'classification' | 'regression' = 'classification') =>
    new PairSampler(left, right, 60, 50, { nPositive: 64, negativeRatio: 3, variant, seed: 9 })

  it('walks every true pair once per epoch and never draws a true pair as a negative', () => {
    const s = make()
    const seen = new Map<string, number>()
    let negatives = 0
    for (const b of epochBatches(s, 0)) {
      expect(b.size).toBe(64 * 4)
      for (let e = 0; e < b.size; e++) {
        const key = `${b.left[e]},${b.right[e]}`
        if (b.label[e] === 1) seen.set(key, (seen.get(key) ?? 0) + 1)
        else {
          expect(b.label[e]).toBe(0)
          expect(truth.has(key)).toBe(false)
          negatives++
        }
      }
    }
    expect(negatives).toBe(s.stepsPerEpoch * 64 * 3)
    expect(s.stepsPerEpoch).toBe(Math.floor(left.length / 64))
    // floor(P / 64) batches: all but the last P mod 64 pairs of the permutation, each once
    expect(seen.size).toBe(s.stepsPerEpoch * 64)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    for (const key of seen.keys()) expect(truth.has(key)).toBe(true)
  })

  it('labels negatives −1 for regression', () => {
    const [b] = epochBatches(make('regression'), 0)
    expect(new Set(b!.label)).toEqual(new Set([1, -1]))
  })

  it('draws the same batches for an epoch however it got there (resume), different ones for another epoch', () => {
    const a = make()
    epochBatches(a, 0)
    const third = epochBatches(a, 2)
    const resumed = epochBatches(make(), 2)
    expect(resumed.map((b) => Array.from(b.left))).toEqual(third.map((b) => Array.from(b.left)))
    expect(resumed.map((b) => Array.from(b.right))).toEqual(third.map((b) => Array.from(b.right)))
    expect(epochBatches(make(), 1).map((b) => Array.from(b.right))).not.toEqual(third.map((b) => Array.from(b.right)))
  })
})
