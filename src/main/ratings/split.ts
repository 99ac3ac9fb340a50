/**
 * The train / validation / test split every rating run is fitted and
 * evaluated on, from a dataset's interactions (left = users, right = items,
 * value = rating, ts = timestamp):
 *
 *   random          a seeded partial Fisher–Yates picks exactly
 *                   round(n · testRatio) ratings for the test (splitSeed);
 *   predefined      the first `trainRows` interactions are train, the rest
 *                   test: the dataset was imported from a train file and a
 *                   test file (MovieLens u1.base + u1.test), in that order;
 *   leave-last-out  for each user with ≥ 2 ratings, the rating with the
 *                   latest timestamp (ties: the later one in file order) is
 *                   the test; users with one rating keep it in train.
 *
 * Then a validation share (validationRatio, seeded by the run's `seed`) is
 * drawn from the TRAIN part only, so it never overlaps the test. Every part
 * keeps the file order of its ratings. The same spec and data always give the
 * same split. The rating scale is the min and max rating of the whole dataset.
 *
 * The result is a `RatingData` (plus the test part and the split kind), so it
 * can be handed to a fitter as it is.
 */
import type { SplitKind } from '../../shared/ratings'
import { mulberry32 } from '../lib/random'
import type { Interactions } from '../store/datasets'
import type { RatingData, RatingTriples } from './model'

/** The fields of a rating model's parameters that decide the split. */
export interface SplitSpec {
  split: SplitKind
  testRatio: number
  splitSeed: number
  validationRatio: number
  /** Seeds the validation share. */
  seed: number
}

export interface RatingSplit extends RatingData {
  kind: SplitKind
  test: RatingTriples
}

const TRAIN = 0
const VALIDATION = 1
const TEST = 2

/**
 * Split a ratings dataset. `predefinedTrainRows` is the dataset's
 * `options.predefinedSplit.trainRows` (see `predefinedTrainRows`), needed for
 * the 'predefined' split only.
 */
export function splitRatings(
  interactions: Interactions,
  spec: SplitSpec,
  nUsers: number,
  nItems: number,
  predefinedTrainRows?: number | null,
): RatingSplit {
  const { left, right, value, ts } = interactions
  const n = left.length
  if (!value) throw new Error('This dataset has no rating values (it is not a ratings dataset): rating models need user → item ratings.')
  if (n === 0) throw new Error('This dataset has no ratings.')
  const scale = checkAndScale(interactions, nUsers, nItems)

  const part = new Uint8Array(n) // TRAIN
  switch (spec.split) {
    case 'random':
      markRandomTest(part, Math.round(n * spec.testRatio), spec.splitSeed)
      break
    case 'predefined': {
      if (predefinedTrainRows == null) {
        throw new Error('This dataset has no predefined split: import it with a test file (e.g. MovieLens u1.base with u1.test) to use the predefined split.')
      }
      if (!Number.isInteger(predefinedTrainRows) || predefinedTrainRows < 1 || predefinedTrainRows > n) {
        throw new Error(`The dataset's predefined split is broken: ${predefinedTrainRows} training rows of ${n} ratings.`)
      }
      part.fill(TEST, predefinedTrainRows)
      break
    }
    case 'leave-last-out':
      if (!ts) throw new Error('Leave-last-out needs timestamps, and this dataset has none: use a random or predefined split.')
      markLatestPerUser(part, left, ts, nUsers)
      break
  }

  let nTrain = 0
  for (let k = 0; k < n; k++) if (part[k] === TRAIN) nTrain++
  if (nTrain === 0) throw new Error('The split leaves no training ratings: lower the test ratio.')
  if (spec.validationRatio > 0) markValidation(part, nTrain, Math.round(nTrain * spec.validationRatio), spec.seed)

  const [train, validation, test] = gather(part, left, right, value, ts)
  return {
    kind: spec.split,
    nUsers,
    nItems,
    train: train!,
    validation: validation!.n > 0 ? validation! : null,
    test: test!,
    scale,
  }
}

/** The train-row count a dataset imported with a test file recorded in its options, or null. */
export function predefinedTrainRows(options: Record<string, unknown>): number | null {
  const p = options.predefinedSplit
  if (p && typeof p === 'object' && typeof (p as { trainRows?: unknown }).trainRows === 'number') return (p as { trainRows: number }).trainRows
  return null
}

function checkAndScale({ left, right, value }: Interactions, nUsers: number, nItems: number): { min: number; max: number } {
  let min = Infinity
  let max = -Infinity
  for (let k = 0; k < left.length; k++) {
    const u = left[k]!
    const i = right[k]!
    if (u < 0 || u >= nUsers || i < 0 || i >= nItems) {
      throw new Error(`Rating ${k + 1} refers to user ${u} / item ${i}, outside the dataset's ${nUsers} users × ${nItems} items.`)
    }
    const r = value![k]!
    if (r < min) min = r
    if (r > max) max = r
  }
  return { min, max }
}

/** Exactly `count` positions become TEST: the first `count` of a seeded partial Fisher–Yates over 0 … n−1. */
function markRandomTest(part: Uint8Array, count: number, seed: number): void {
  const n = part.length
  const order = new Int32Array(n)
  for (let k = 0; k < n; k++) order[k] = k
  const next = mulberry32(seed)
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(next() * (n - k))
    const t = order[k]!
    order[k] = order[j]!
    order[j] = t
    part[order[k]!] = TEST
  }
}

/** Per user with ≥ 2 ratings, the latest (ties: the later in file order) becomes TEST. */
function markLatestPerUser(part: Uint8Array, left: Int32Array, ts: Float64Array, nUsers: number): void {
  const latest = new Int32Array(nUsers).fill(-1)
  const count = new Int32Array(nUsers)
  for (let k = 0; k < left.length; k++) {
    const u = left[k]!
    count[u]!++
    const at = latest[u]!
    if (at < 0 || ts[k]! >= ts[at]!) latest[u] = k
  }
  for (let u = 0; u < nUsers; u++) if (count[u]! >= 2) part[latest[u]!] = TEST
}

/** `count` of the `nTrain` TRAIN positions become VALIDATION (a seeded partial Fisher–Yates). */
function markValidation(part: Uint8Array, nTrain: number, count: number, seed: number): void {
  if (count === 0) return
  const order = new Int32Array(nTrain)
  let at = 0
  for (let k = 0; k < part.length; k++) if (part[k] === TRAIN) order[at++] = k
  const next = mulberry32(seed)
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(next() * (nTrain - k))
    const t = order[k]!
    order[k] = order[j]!
    order[j] = t
    part[order[k]!] = VALIDATION
  }
}

/** The triples of each part (TRAIN, VALIDATION, TEST), in file order. */
function gather(part: Uint8Array, left: Int32Array, right: Int32Array, value: Float32Array, ts: Float64Array | null): RatingTriples[] {
  const sizes = [0, 0, 0]
  for (let k = 0; k < part.length; k++) sizes[part[k]!]!++
  const out: RatingTriples[] = sizes.map((n) => ({ n, user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n), ...(ts ? { ts: new Float64Array(n) } : {}) }))
  const at = [0, 0, 0]
  for (let k = 0; k < part.length; k++) {
    const p = part[k]!
    const t = out[p]!
    const j = at[p]!++
    t.user[j] = left[k]!
    t.item[j] = right[k]!
    t.rating[j] = value[k]!
    if (ts) t.ts![j] = ts[k]!
  }
  return out
}
