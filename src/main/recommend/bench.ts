/**
 * Latency of similar-entity queries (top-10, one at a time, as the app asks
 * them) on seeded clustered vectors (./synthetic.ts: rows/1000 clusters,
 * spread 0.5), at the tutorial's scale (37,020 × 50) and at 1,000,000 × 64:
 *
 *   exact         brute force (SIMD dot products + partial selection)
 *   approximate   the usearch HNSW index, for each search expansion in
 *                 `expansions`, with its recall@10 against exact search
 *
 * plus table and index build times. Queries are rows of the table (the row
 * itself left out), the same functions similar.ts calls. Never asserts:
 * timings depend on the machine and whatever else runs on it.
 *
 *   npx tsx src/main/recommend/bench.ts [--quick]
 */
import { pathToFileURL } from 'node:url'
import { Random } from '../lib/random'
import { ANN_DEFAULTS, annSearch, buildAnnIndex, type AnnIndex, type AnnParams } from './ann'
import { exactSearch, meanVector, normalized, rankHits } from './exact'
import { measureRecall } from './recall'
import { clusteredVectors } from './synthetic'
import { VectorTable } from './vectors'

export interface NeighboursBenchRow {
  name: string
  value: number
  unit: string
  note: string
}

export interface NeighboursBenchOptions {
  /** Shapes to measure; default the tutorial's and 1,000,000 × 64. */
  shapes?: { rows: number; dim: number }[]
  /** Timed queries per measure. */
  queries?: number
  /** Queries for recall@10. */
  recallQueries?: number
  params?: AnnParams
  /** Search expansions to try on each index. */
  expansions?: number[]
  /** Index build threads (0 = every core). */
  threads?: number
  log?: (line: string) => void
}

const K = 10

export function benchmarkNeighbours(options: NeighboursBenchOptions = {}): NeighboursBenchRow[] {
  const shapes = options.shapes ?? [
    { rows: 37_020, dim: 50 },
    { rows: 1_000_000, dim: 64 },
  ]
  const nQueries = options.queries ?? 500
  const nRecall = options.recallQueries ?? 200
  const params = options.params ?? ANN_DEFAULTS
  const expansions = options.expansions ?? [64, 128, 256]
  const log = options.log ?? (() => {})
  const rows: NeighboursBenchRow[] = []
  const push = (r: NeighboursBenchRow) => {
    rows.push(r)
    log(`${r.name}: ${r.value.toFixed(3)} ${r.unit}  ${r.note}`)
  }

  for (const shape of shapes) {
    const tag = `${shape.rows.toLocaleString('en-US')} × ${shape.dim}`
    const source = clusteredVectors(shape.rows, shape.dim, { seed: 1, clusters: Math.max(1, Math.round(shape.rows / 1000)), spread: 0.5 })
    let t0 = performance.now()
    const table = new VectorTable(shape.rows, shape.dim, source)
    push({ name: `${tag} table load`, value: performance.now() - t0, unit: 'ms', note: `copy + norms, ${table.kernel} kernel` })
    const rng = new Random(7)
    const queries = Array.from({ length: nQueries }, () => rng.int(shape.rows))

    for (const metric of ['cosine', 'euclidean'] as const) {
      const t = latencies(queries, (q) => exactSearch(table, meanVector(table, [q], metric), K, metric, 'nearest', [q]))
      push({ name: `${tag} exact top-10 ${metric} p50`, value: t.p50, unit: 'ms', note: `${queries.length} queries` })
      push({ name: `${tag} exact top-10 ${metric} p99`, value: t.p99, unit: 'ms', note: tailNote(t) })
    }

    t0 = performance.now()
    const ann = buildAnnIndex(table, 'cosine', params, options.threads ?? 0)
    push({
      name: `${tag} HNSW build (cosine)`,
      value: (performance.now() - t0) / 1000,
      unit: 's',
      note: `M ${params.connectivity}, efConstruction ${params.expansionAdd}, threads ${options.threads || 'all'}`,
    })
    const recallQueries = queries.slice(0, nRecall)
    for (const ef of expansions) {
      const tuned: AnnIndex = { ...ann, params: { ...ann.params, expansionSearch: ef } }
      const t = latencies(queries, (q) => {
        const query = meanVector(table, [q], 'cosine')
        rankHits(table, normalized(query, table.dim), annSearch(tuned, query, K, [q]), 'cosine', 'nearest')
      })
      const recall = measureRecall(table, tuned, recallQueries, K)
      push({ name: `${tag} approximate top-10 p50 (ef ${ef})`, value: t.p50, unit: 'ms', note: `${queries.length} queries` })
      push({ name: `${tag} approximate top-10 p99 (ef ${ef})`, value: t.p99, unit: 'ms', note: tailNote(t) })
      push({ name: `${tag} approximate recall@10 (ef ${ef})`, value: recall, unit: '', note: `${recallQueries.length} queries vs exact` })
    }
  }
  return rows
}

interface Latency {
  p50: number
  p99: number
  max: number
  /** p99 of the process CPU time per call: near p99 when the machine is quiet, lower when other work preempts the benchmark. */
  cpuP99: number
}

/** Wall-clock p50 / p99 / max of one call per query, after a short warm-up, in ms. */
function latencies(queries: readonly number[], run: (q: number) => void): Latency {
  for (const q of queries.slice(0, 20)) run(q)
  const wall: number[] = []
  const cpu: number[] = []
  for (const q of queries) {
    const c = process.cpuUsage()
    const t = performance.now()
    run(q)
    wall.push(performance.now() - t)
    const dc = process.cpuUsage(c)
    cpu.push((dc.user + dc.system) / 1000)
  }
  const at = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!
  return { p50: at(wall, 0.5), p99: at(wall, 0.99), max: wall[wall.length - 1]!, cpuP99: at(cpu, 0.99) }
}

const tailNote = (t: Latency) => `max ${t.max.toFixed(2)} ms, CPU-time p99 ${t.cpuP99.toFixed(2)} ms`

export function formatNeighboursBench(rows: NeighboursBenchRow[]): string {
  const w = Math.max(...rows.map((r) => r.name.length))
  return rows.map((r) => `${r.name.padEnd(w)}  ${r.value.toFixed(3).padStart(10)} ${r.unit.padEnd(3)} ${r.note}`).join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick')
  const shapes = quick ? [{ rows: 37_020, dim: 50 }, { rows: 100_000, dim: 64 }] : undefined
  const rows = benchmarkNeighbours({ shapes, log: (l) => console.error(l) })
  console.log(formatNeighboursBench(rows))
}
