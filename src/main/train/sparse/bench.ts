/**
 * Throughput of the sparse engine at the tutorial's scale: 37,020 books ×
 * 41,758 links, dim 50, batches of 1,024 positives + 2,048 negatives (3,072
 * examples). Two loops:
 *   'engine'   pre-generated random batches: the engine alone;
 *   'sampling' each batch sampled in the loop, as the trainer does: positives
 *              from 321,330 true pairs, negatives uniform and rejected when
 *              they are true pairs (PairSet), on the calling thread.
 * Reports examples/s; never asserts (timings depend on the machine and on
 * whatever else runs on it: measure on a quiet one).
 *
 *   npx tsx src/main/train/sparse/bench.ts [seconds]
 */
import { pathToFileURL } from 'node:url'
import { PairSet } from '../../lib/pairset'
import { Random } from '../../lib/random'
import type { Batch, PairModelConfig } from '../engine'
import { initPairTables } from '../init'
import { createSparseEngine, type SparseBackend } from '.'

export interface SparseBenchCase {
  optimizer: PairModelConfig['optimizer']
  threads: number
  semantics: 'lazy' | 'dense'
  backend: SparseBackend
  loop: 'engine' | 'sampling'
}

export interface SparseBenchRow extends SparseBenchCase {
  examplesPerSec: number
  msPerStep: number
}

export const TUTORIAL = { nLeft: 37020, nRight: 41758, dim: 50, nPositive: 1024, negativeRatio: 2, truePairs: 321330 } as const

export const DEFAULT_CASES: SparseBenchCase[] = (['adam', 'adagrad'] as const).flatMap((optimizer) =>
  (['engine', 'sampling'] as const).flatMap((loop) => [1, 2].map((threads) => ({ optimizer, threads, semantics: 'lazy' as const, backend: 'wasm-simd' as const, loop }))),
)

export async function benchmarkSparse(cases: SparseBenchCase[] = DEFAULT_CASES, seconds = 3): Promise<SparseBenchRow[]> {
  const { nLeft, nRight, dim, nPositive, negativeRatio, truePairs } = TUTORIAL
  const size = nPositive * (1 + negativeRatio)
  const rng = new Random(7)
  const set = new PairSet(truePairs)
  const pairs = new Int32Array(2 * truePairs)
  for (let n = 0; n < truePairs; ) {
    const i = rng.int(nLeft), j = rng.int(nRight)
    if (set.add(i, j)) {
      pairs[2 * n] = i
      pairs[2 * n + 1] = j
      n++
    }
  }
  const fixed: Batch[] = Array.from({ length: 64 }, () => ({
    size,
    left: Int32Array.from({ length: size }, () => rng.int(nLeft)),
    right: Int32Array.from({ length: size }, () => rng.int(nRight)),
    label: Float32Array.from({ length: size }, (_, e) => (e < nPositive ? 1 : 0)),
  }))
  const sampled: Batch = { size, left: new Int32Array(size), right: new Int32Array(size), label: new Float32Array(size) }
  let cursor = 0
  const sample = (): Batch => {
    let e = 0
    for (; e < nPositive; e++, cursor = (cursor + 1) % truePairs) {
      sampled.left[e] = pairs[2 * cursor]!
      sampled.right[e] = pairs[2 * cursor + 1]!
      sampled.label[e] = 1
    }
    while (e < size) {
      const i = rng.int(nLeft), j = rng.int(nRight)
      if (set.has(i, j)) continue
      sampled.left[e] = i
      sampled.right[e] = j
      sampled.label[e] = 0
      e++
    }
    return sampled
  }
  const init = initPairTables({ dim, initScale: 0.05, seed: 1 }, nLeft, nRight)
  const rows: SparseBenchRow[] = []
  for (const c of cases) {
    const engine = await createSparseEngine(
      { model: { variant: 'classification', dim, nLeft, nRight, optimizer: c.optimizer, learningRate: 0.001 }, init, threads: c.threads, semantics: c.semantics },
      { backend: c.backend },
    )
    try {
      const next = (s: number): Batch => (c.loop === 'sampling' ? sample() : fixed[s % fixed.length]!)
      for (let s = 0; s < 20; s++) await engine.step(next(s))
      let steps = 0
      const t0 = performance.now()
      while (performance.now() - t0 < seconds * 1000) await engine.step(next(steps++))
      const ms = performance.now() - t0
      rows.push({ ...c, examplesPerSec: (steps * size) / (ms / 1000), msPerStep: ms / steps })
    } finally {
      await engine.dispose()
    }
  }
  return rows
}

export function formatSparseBench(rows: SparseBenchRow[]): string {
  const head = 'optimizer  semantics  backend    loop      threads   examples/s   ms/step'
  const lines = rows.map(
    (r) =>
      `${r.optimizer.padEnd(10)} ${r.semantics.padEnd(10)} ${r.backend.padEnd(10)} ${r.loop.padEnd(9)} ${String(r.threads).padStart(7)} ${Math.round(r.examplesPerSec).toLocaleString('en').padStart(12)} ${r.msPerStep.toFixed(2).padStart(9)}`,
  )
  return [head, ...lines].join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.argv[2] ?? 3)
  void benchmarkSparse(DEFAULT_CASES, seconds).then((rows) => console.log(formatSparseBench(rows)))
}
