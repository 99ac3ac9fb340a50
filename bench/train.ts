/**
 * Training throughput at the tutorial's scale: 37,020 books, 41,758 links,
 * 772,798 true pairs, batches of 1,024 positives + 2,048 negatives, Adam,
 * 50-d. Batch generation is included (the trainer's own sampler). Reference:
 * the sparse engine on one thread. Engines too slow for a whole epoch are
 * timed over a fixed number of steps and the epoch time is extrapolated
 * (marked "extrapolated").
 */
import { availableParallelism } from 'node:os'
import { Random } from '../src/main/lib/random'
import type { EngineOptions, PairEngine } from '../src/main/train/engine'
import { createEngine } from '../src/main/train/engines'
import { initPairTables } from '../src/main/train/init'
import { PairSampler } from '../src/main/train/sampler'
import { mb, type BenchRow } from './table'

export const TUTORIAL = { books: 37_020, links: 41_758, pairs: 772_798 }

/** Book → link pairs with Zipf-like link popularity, like Wikipedia's. */
export function tutorialPairs(seed = 1): { left: Int32Array; right: Int32Array } {
  const rng = new Random(seed)
  const left = new Int32Array(TUTORIAL.pairs)
  const right = new Int32Array(TUTORIAL.pairs)
  for (let i = 0; i < TUTORIAL.pairs; i++) {
    left[i] = i % TUTORIAL.books
    right[i] = Math.min(TUTORIAL.links - 1, Math.floor(TUTORIAL.links * rng.float() ** 2.5))
  }
  return { left, right }
}

interface Timing {
  examplesPerSec: number
  secondsPerEpoch: number
  extrapolated: boolean
}

async function timeEngine(engine: PairEngine, sampler: PairSampler, maxSteps: number): Promise<Timing> {
  const batch = sampler.newBatch()
  sampler.startEpoch(0)
  // Warm-up (JIT, thread start, backend kernels): a few steps not timed.
  for (let i = 0; i < 3; i++) {
    sampler.next(batch)
    await engine.step(batch)
  }
  sampler.startEpoch(1)
  const steps = Math.min(maxSteps, sampler.stepsPerEpoch)
  const t0 = performance.now()
  for (let s = 0; s < steps; s++) {
    sampler.next(batch)
    await engine.step(batch)
  }
  const seconds = (performance.now() - t0) / 1000
  const examplesPerSec = (steps * sampler.batchSize) / seconds
  return { examplesPerSec, secondsPerEpoch: (sampler.stepsPerEpoch * sampler.batchSize) / examplesPerSec, extrapolated: steps < sampler.stepsPerEpoch }
}

function timeSampler(sampler: PairSampler): number {
  const batch = sampler.newBatch()
  sampler.startEpoch(0)
  const t0 = performance.now()
  for (let s = 0; s < sampler.stepsPerEpoch; s++) sampler.next(batch)
  return (sampler.stepsPerEpoch * sampler.batchSize) / ((performance.now() - t0) / 1000)
}

export async function benchTrain(opts: { quick: boolean }): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const group = `train: entity pairs at tutorial scale (${TUTORIAL.books.toLocaleString('en-US')} × ${TUTORIAL.links.toLocaleString('en-US')}, ${TUTORIAL.pairs.toLocaleString('en-US')} pairs, 1,024 + 2,048 per batch, 50-d, Adam)`
  const pairs = tutorialPairs()
  const params = { nPositive: 1024, negativeRatio: 2, variant: 'classification' as const, seed: 1 }
  const sampler = new PairSampler(pairs.left, pairs.right, TUTORIAL.books, TUTORIAL.links, params)
  const init = initPairTables({ dim: 50, initScale: 0.05, seed: 1 }, TUTORIAL.books, TUTORIAL.links)
  const base: EngineOptions = {
    model: { variant: 'classification', dim: 50, nLeft: TUTORIAL.books, nRight: TUTORIAL.links, optimizer: 'adam', learningRate: 0.001 },
    init,
  }

  rows.push({ group, name: 'batch generation alone', value: timeSampler(sampler), unit: 'examples/s', ratio: null })

  const cores = availableParallelism()
  const cases: { name: string; make: () => Promise<PairEngine>; steps: number }[] = [
    { name: 'sparse engine, 1 thread (reference)', make: () => createEngine('sparse', { ...base, threads: 1 }), steps: opts.quick ? 100 : Infinity },
    { name: `sparse engine, ${cores} threads`, make: () => createEngine('sparse', { ...base, threads: cores }), steps: opts.quick ? 100 : Infinity },
    { name: 'sparse engine, Adagrad, all threads', make: () => createEngine('sparse', { ...base, model: { ...base.model, optimizer: 'adagrad', learningRate: 0.05 }, threads: cores }), steps: opts.quick ? 100 : Infinity },
  ]
  const { detectTfjsBackends } = await import('../src/main/train/tfjs')
  for (const b of await detectTfjsBackends()) {
    if (!b.available) {
      rows.push({ group, name: `tfjs engine, ${b.backend}`, value: Number.NaN, unit: 'examples/s', ratio: null, note: `not available: ${b.reason}` })
      continue
    }
    const steps = b.backend === 'cpu' ? 3 : opts.quick ? 10 : 60
    cases.push({ name: `tfjs engine, ${b.backend}`, make: async () => (await import('../src/main/train/tfjs')).createTfjsEngine({ ...base, backend: b.backend as never }), steps })
  }

  let reference: number | null = null
  for (const c of cases) {
    const engine = await c.make()
    try {
      const t = await timeEngine(engine, sampler, c.steps)
      reference ??= t.examplesPerSec
      const backend = `${engine.info.backend}, ${engine.info.threads} thread${engine.info.threads === 1 ? '' : 's'}`
      rows.push({ group, name: `${c.name} [${backend}]`, value: t.examplesPerSec, unit: 'examples/s', ratio: t.examplesPerSec / reference })
      rows.push({ group, name: `${c.name}: seconds per epoch`, value: t.secondsPerEpoch, unit: 's', ratio: null, note: t.extrapolated ? 'extrapolated' : 'one full epoch' })
    } finally {
      await engine.dispose()
    }
  }
  rows.push({ group, name: 'peak RSS after training benches', value: mb(process.resourceUsage().maxRSS * 1024), unit: 'MB', ratio: null })
  return rows
}
