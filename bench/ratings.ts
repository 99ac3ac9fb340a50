/**
 * Rating models: MF on the sparse engine (seconds per epoch, and to
 * convergence = until the validation RMSE stops improving) on a synthetic
 * 100,000-rating set (943 users × 1,682 items, MovieLens 100k's shape) and a
 * 25,000,000-rating set (162,541 × 59,047, MovieLens 25M's shape); then the
 * fit time of every model family with its defaults on the 100,000-rating
 * set, with the test RMSE as a sanity note. Reference: MF, sparse engine.
 */
import { cpus } from 'node:os'
import type { RatingModelParams } from '../src/shared/ratings'
import { RatingModelParams as Schema } from '../src/shared/ratings'
import { sliceTriples, rmseOf, type FitContext, type RatingData, type RatingTriples } from '../src/main/ratings/model'
import { fitterFor, ratingEngineFor } from '../src/main/ratings/models'
import { syntheticRatings } from '../src/main/ratings/synthetic'
import { Random } from '../src/main/lib/random'
import { mb, type BenchRow } from './table'

function splitTriples(t: RatingTriples, testRatio: number, seed: number): { train: RatingTriples; test: RatingTriples } {
  const rng = new Random(seed)
  const isTest = new Uint8Array(t.n)
  for (let k = 0; k < t.n; k++) isTest[k] = rng.float() < testRatio ? 1 : 0
  const pick = (want: number): RatingTriples => {
    let n = 0
    for (let k = 0; k < t.n; k++) if (isTest[k] === want) n++
    const out = { n, user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n) }
    let j = 0
    for (let k = 0; k < t.n; k++) {
      if (isTest[k] !== want) continue
      out.user[j] = t.user[k]!
      out.item[j] = t.item[k]!
      out.rating[j++] = t.rating[k]!
    }
    return out
  }
  return { train: pick(0), test: pick(1) }
}

interface FitTiming {
  seconds: number
  epochs: number
  epochSeconds: number[]
  testRmse: number
}

async function timeFit(params: RatingModelParams, data: RatingData, test: RatingTriples, engine: 'sparse' | 'tfjs' = 'sparse'): Promise<FitTiming> {
  const epochSeconds: number[] = []
  let best = Infinity
  let since = 0
  let last = performance.now()
  const ctx: FitContext = {
    threads: 1,
    engine,
    onEpoch: async (r) => {
      const now = performance.now()
      epochSeconds.push((now - last) / 1000)
      if (data.validation) {
        const v = rmseOf(r.predictor, data.validation, data.scale)
        if (v < best - 1e-5) {
          best = v
          since = 0
        } else if (++since >= params.patience) {
          last = performance.now()
          return 'stop'
        }
      }
      last = performance.now()
      return 'continue'
    },
  }
  const fit = await fitterFor(params.model, ratingEngineFor(params.model, engine))
  const t0 = performance.now()
  const predictor = await fit(data, params, ctx)
  const seconds = (performance.now() - t0) / 1000
  return { seconds, epochs: epochSeconds.length, epochSeconds, testRmse: rmseOf(predictor, test, data.scale) }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN

export async function benchRatings(opts: { quick: boolean }): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const cpu = cpus()[0]?.model.trim() ?? 'CPU'

  // ---- MF on the sparse engine, 100k and 25M.
  const mfGroup = 'ratings: MF (50 factors, per-rating SGD, sparse engine, 1 thread)'
  const sizes = [
    { label: '100,000 ratings (943 × 1,682)', n: 100_000, users: 943, items: 1_682, epochs: 20 },
    ...(opts.quick ? [] : [{ label: '25,000,000 ratings (162,541 × 59,047)', n: 25_000_000, users: 162_541, items: 59_047, epochs: 3 }]),
  ]
  let reference: number | null = null
  for (const s of sizes) {
    const { triples } = syntheticRatings(s.n, s.users, s.items, 7)
    const { train, test } = splitTriples(triples, 0.2, 1)
    const scale = { min: 0.5, max: 5 }
    const params = Schema.parse({ model: 'mf', epochs: s.epochs, dim: 50 }) as RatingModelParams
    const fixed = await timeFit(params, { nUsers: s.users, nItems: s.items, train, validation: null, scale }, test)
    reference ??= fixed.seconds / fixed.epochs
    const perEpoch = median(fixed.epochSeconds)
    rows.push({ group: mfGroup, name: `${s.label}: seconds per epoch`, value: perEpoch, unit: 's', ratio: perEpoch / reference, note: `median of ${fixed.epochs} epochs, ${(train.n / perEpoch / 1e6).toFixed(2)} M ratings/s` })
    rows.push({ group: mfGroup, name: `${s.label}: ${s.epochs} epochs`, value: fixed.seconds, unit: 's', ratio: null, note: `test RMSE ${fixed.testRmse.toFixed(4)} (noise σ 0.5)` })
    // To convergence: 10 % of the training ratings held out, stop after 3 epochs without a better validation RMSE.
    const valN = Math.round(train.n * 0.1)
    const convergence = s.n <= 1_000_000
    if (convergence) {
      const data: RatingData = { nUsers: s.users, nItems: s.items, train: sliceTriples({ ...train, user: train.user.subarray(valN), item: train.item.subarray(valN), rating: train.rating.subarray(valN), n: train.n - valN }), validation: sliceTriples(train, valN), scale }
      const conv = await timeFit(Schema.parse({ model: 'mf', epochs: 200, dim: 50, patience: 3 }) as RatingModelParams, data, test)
      rows.push({ group: mfGroup, name: `${s.label}: to convergence`, value: conv.seconds, unit: 's', ratio: null, note: `${conv.epochs} epochs until the validation RMSE stopped improving; test RMSE ${conv.testRmse.toFixed(4)}` })
    } else {
      rows.push({ group: mfGroup, name: `${s.label}: to convergence (estimate)`, value: perEpoch * 25, unit: 's', ratio: null, note: 'not run: ~25 epochs × seconds per epoch (the 100k set converges in about that many)' })
    }
  }

  // ---- Every model family with its defaults on the 100k set.
  const famGroup = `ratings: model families, defaults, 100,000 synthetic ratings (80/20), ${cpu}`
  const { triples } = syntheticRatings(100_000, 943, 1_682, 7)
  const { train, test } = splitTriples(triples, 0.2, 1)
  const data: RatingData = { nUsers: 943, nItems: 1_682, train, validation: null, scale: { min: 0.5, max: 5 } }
  const families: { name: string; params: Record<string, unknown>; engine?: 'sparse' | 'tfjs' }[] = [
    { name: 'MF, sparse engine (reference)', params: { model: 'mf' } },
    { name: 'global mean', params: { model: 'global-mean' } },
    { name: 'bias baseline (ALS)', params: { model: 'bias-baseline' } },
    { name: 'user kNN (Pearson, k 40, centred)', params: { model: 'user-knn' } },
    { name: 'MF, tfjs engine', params: { model: 'mf' }, engine: 'tfjs' },
    { name: 'deep MF, tfjs engine', params: { model: 'deep-mf' } },
    { name: 'I-AutoRec, tfjs engine', params: { model: 'autorec', orientation: 'item' } },
    { name: 'U-AutoRec, tfjs engine', params: { model: 'autorec', orientation: 'user' } },
    { name: 'RBM-CF, user-based', params: { model: 'rbm', orientation: 'user' } },
  ]
  // The pair benches above leave TensorFlow.js on whichever backend they timed last (possibly
  // the plain cpu one); a run's worker starts fresh and takes the best, so take it here too.
  const { detectBackends, selectBackend } = await import('../src/main/train/tfjs/backends')
  const best = (await detectBackends()).find((b) => b.available)
  if (best) await selectBackend(best.backend as never)
  let familyRef: number | null = null
  for (const f of opts.quick ? families.slice(0, 4) : families) {
    const params = Schema.parse(f.params) as RatingModelParams
    try {
      const t = await timeFit(params, data, test, f.engine ?? 'sparse')
      familyRef ??= t.seconds
      const backend = (f.engine ?? ratingEngineFor(params.model, 'sparse')) === 'tfjs' ? `, ${best?.backend ?? 'tfjs'} backend` : ''
      rows.push({ group: famGroup, name: f.name, value: t.seconds, unit: 's', ratio: t.seconds / familyRef, note: `test RMSE ${t.testRmse.toFixed(4)}${t.epochs ? `, ${t.epochs} epochs` : ''}${backend}` })
    } catch (e) {
      rows.push({ group: famGroup, name: f.name, value: Number.NaN, unit: 's', ratio: null, note: `failed: ${e instanceof Error ? e.message : String(e)}` })
    }
  }
  rows.push({ group: famGroup, name: 'peak RSS after rating benches', value: mb(process.resourceUsage().maxRSS * 1024), unit: 'MB', ratio: null })
  return rows
}
