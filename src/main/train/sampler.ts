/**
 * Batches for the entity-pair model, as in Koehrsen's generator: each batch
 * holds `nPositive` true pairs and `negativeRatio` × as many random pairs
 * (a uniform left and a uniform right, rejected while it is a true pair),
 * labelled 1/0 (classification) or +1/−1 (regression).
 *
 * One difference from the tutorial, on purpose: instead of drawing the
 * positives of each batch at random, each epoch walks a seeded permutation
 * of all true pairs (floor(P / nPositive) batches, the tutorial's
 * steps_per_epoch), so every pair is seen once per epoch. Each epoch's
 * permutation and negatives come from a generator seeded by (seed, epoch),
 * which makes a resumed run draw exactly the batches an uninterrupted run
 * would have.
 */
import { PairFilter, PairSet } from '../lib/pairset'
import { Random } from '../lib/random'
import type { Batch } from './engine'

export interface SamplerOptions {
  nPositive: number
  negativeRatio: number
  variant: 'classification' | 'regression'
  seed: number
}

/** A rejected negative is redrawn at most this many times (only matters for nearly complete data). */
const MAX_REDRAWS = 64

export class PairSampler {
  readonly stepsPerEpoch: number
  readonly positivesPerBatch: number
  readonly batchSize: number
  private readonly truePairs: PairSet
  /** In front of truePairs: answers most negatives from cache (same decisions, no false negatives). */
  private readonly maybeTrue: PairFilter
  private readonly order: Int32Array
  private rng: Random
  private cursor = 0
  private readonly negativeLabel: number

  constructor(
    private readonly left: Int32Array,
    private readonly right: Int32Array,
    private readonly nLeft: number,
    private readonly nRight: number,
    private readonly opts: SamplerOptions,
  ) {
    const n = left.length
    if (n === 0) throw new Error('The dataset has no interactions to train on.')
    this.positivesPerBatch = Math.min(opts.nPositive, n)
    this.stepsPerEpoch = Math.floor(n / this.positivesPerBatch)
    this.batchSize = this.positivesPerBatch * (1 + opts.negativeRatio)
    this.truePairs = new PairSet(n)
    this.maybeTrue = new PairFilter(n)
    for (let i = 0; i < n; i++) {
      this.truePairs.add(left[i]!, right[i]!)
      this.maybeTrue.add(left[i]!, right[i]!)
    }
    this.order = new Int32Array(n)
    this.negativeLabel = opts.variant === 'classification' ? 0 : -1
    this.rng = new Random(opts.seed)
  }

  newBatch(): Batch {
    return { size: 0, left: new Int32Array(this.batchSize), right: new Int32Array(this.batchSize), label: new Float32Array(this.batchSize) }
  }

  /** Start epoch `epoch` (0-based): a fresh permutation from (seed, epoch). */
  startEpoch(epoch: number): void {
    this.rng = new Random((Math.imul(this.opts.seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca6b)) >>> 0)
    const order = this.order
    for (let i = 0; i < order.length; i++) order[i] = i
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1)
      const t = order[i]!
      order[i] = order[j]!
      order[j] = t
    }
    this.cursor = 0
  }

  /** Fill the next batch of the epoch: positives first, then negatives (order within a batch does not change the mean loss). */
  next(batch: Batch): void {
    const P = this.positivesPerBatch
    let k = 0
    for (let p = 0; p < P; p++, k++) {
      const idx = this.order[this.cursor++]!
      batch.left[k] = this.left[idx]!
      batch.right[k] = this.right[idx]!
      batch.label[k] = 1
    }
    const negatives = P * this.opts.negativeRatio
    for (let q = 0; q < negatives; q++, k++) {
      let l = this.rng.int(this.nLeft)
      let r = this.rng.int(this.nRight)
      for (let tries = 0; tries < MAX_REDRAWS && this.maybeTrue.mayHave(l, r) && this.truePairs.has(l, r); tries++) {
        l = this.rng.int(this.nLeft)
        r = this.rng.int(this.nRight)
      }
      batch.left[k] = l
      batch.right[k] = r
      batch.label[k] = this.negativeLabel
    }
    batch.size = k
  }
}
