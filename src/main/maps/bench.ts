/**
 * Map benchmarks at the tutorial's scale: 37,020 points (the books) × 50-d,
 * seeded synthetic embeddings with 30 planted clusters of Zipf-like sizes.
 * Each method runs as the `project` task runs it (all points, defaults:
 * t-SNE perplexity 30 and 1,000 iterations, UMAP 15 neighbours and its
 * epochs for this size), timed end to end, to its first live layout (the
 * PCA start, what the map view shows first) and to its first optimised
 * layout. Asserts nothing; the 10-NN purity of each map against the planted
 * clusters is in the notes as a sanity check.
 */
import { availableParallelism } from 'node:os'
import type { LayoutProgress } from './layout'
import { normaliseLayout } from './layout'
import { pca } from './pca'
import { knnPurity, plantedClusters } from './synthetic'
import { tsne } from './tsne'
import { umap } from './umap'

export interface MapBenchRow {
  name: string
  value: number
  unit: string
  note: string
}

export interface MapBenchOptions {
  /** Points (default 37,020). */
  n?: number
  dim?: number
  /** t-SNE iterations / UMAP epoch budget (default 1,000, the contract's default). */
  iterations?: number
  /** Skip the purity check (it costs an exact 10-NN of the layout: ~2 s at 37,020). */
  purity?: boolean
}

export async function benchmarkMaps(options: MapBenchOptions = {}): Promise<MapBenchRow[]> {
  const n = options.n ?? 37_020
  const dim = options.dim ?? 50
  const iterations = options.iterations ?? 1000
  const { data, labels } = plantedClusters({ n, dim, clusters: 30, spread: 0.9, skew: 0.5, seed: 20_240 })
  const size = `${n.toLocaleString('en-US')} × ${dim}`
  const cores = `${availableParallelism()} cores`
  const rows: MapBenchRow[] = []
  const purity = (coords: Float32Array) => (options.purity === false ? '' : `, 10-NN purity ${knnPurity(coords, n, 2, labels).toFixed(3)}`)

  let t0 = performance.now()
  const p = normaliseLayout(pca(data, n, dim, { dims: 2, normalise: true }).coords, n, 2)
  rows.push({ name: `PCA map, ${size}`, value: (performance.now() - t0) / 1000, unit: 's', note: `cosine, 2-D${purity(p)}` })

  for (const method of ['tsne', 'umap'] as const) {
    const label = method === 'tsne' ? 't-SNE' : 'UMAP'
    let first: number | null = null
    let firstOptimised: number | null = null
    let optimiseStart: number | null = null
    const onProgress = (q: LayoutProgress) => {
      const now = performance.now()
      if (q.layout && first === null) {
        q.layout()
        first = now
      }
      if (q.phase === 'Optimising' && q.iteration === 1) {
        q.layout?.()
        firstOptimised = performance.now()
      }
      if (q.phase !== 'Optimising' && q.iteration === 0) optimiseStart = now
    }
    t0 = performance.now()
    const r = method === 'tsne' ? await tsne(data, n, dim, { iterations }, onProgress) : await umap(data, n, dim, { iterations }, onProgress)
    const total = (performance.now() - t0) / 1000
    const steps = 'epochs' in r ? r.epochs : iterations
    const optimising = (performance.now() - (optimiseStart ?? t0)) / 1000
    const extra = 'threads' in r ? `, forces on ${r.threads} threads` : ''
    rows.push({
      name: `${label} map, ${size}`,
      value: total,
      unit: 's',
      note: `${steps} ${method === 'tsne' ? 'iterations' : 'epochs'} (${((optimising / steps) * 1000).toFixed(0)} ms each), kNN ${r.knn}, ${cores}${extra}${purity(r.coords)}`,
    })
    rows.push({ name: `${label} first layout (PCA start)`, value: ((first ?? t0) - t0) / 1000, unit: 's', note: 'first live coordinates' })
    rows.push({ name: `${label} first optimised layout`, value: ((firstOptimised ?? t0) - t0) / 1000, unit: 's', note: 'after the neighbours and the first step' })
  }
  return rows
}
