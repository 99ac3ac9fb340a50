/**
 * The `project` worker task: one map (PCA, t-SNE or UMAP) of one side of a
 * finished run, on ALL its rows. In order: load the embedding → run the
 * method, posting progress (throttled by the reporter) and the live layout
 * about once a second (display-normalised, rounded to 1e-4 to keep the
 * message small; the first one is the PCA start, within a second) → save the
 * projection → `{ projectionId }`. Cancel kills the worker: nothing is
 * written before the end, so there is nothing to clean up.
 */
import { z } from 'zod'
import { ProjectionParams, type ProjectionProgress } from '../../shared/explore'
import { Id, Side } from '../../shared/schemas'
import type { WorkerEnv } from '../jobs/protocol'
import { TaskError, type Reporter } from '../jobs/reporter'
import { openDatabase } from '../store/db'
import { saveProjection } from '../store/projections'
import { loadEmbedding } from '../store/runs'
import { normaliseLayout, type LayoutProgress } from './layout'
import { pca } from './pca'
import { tsne } from './tsne'
import { umap } from './umap'

export const ProjectTaskParams = z.object({ runId: Id, side: Side, params: ProjectionParams })

export const LIVE_INTERVAL_MS = 1000
/** Event-loop time given to each live layout to reach main (~2.5 % of the optimisation's time). */
const FLUSH_MS = 25

/** The live message without the job id (main adds it). */
export type LiveLayout = Omit<ProjectionProgress, 'jobId'>

export async function runProjectTask(raw: unknown, env: WorkerEnv, reporter: Reporter): Promise<Record<string, unknown>> {
  const { runId, side, params } = ProjectTaskParams.parse(raw)
  const db = openDatabase(env.dbPath, env.nativeBinding ? { nativeBinding: env.nativeBinding } : {})
  try {
    const t0 = performance.now()
    reporter.progress({ done: 0, total: null, unit: 'steps', message: 'Loading the embedding' }, true)
    const emb = loadEmbedding(db, runId, side)
    if (!emb) throw new TaskError({ code: 'invalid', message: `Run ${runId} has no ${side} embedding: map a finished run.`, badRows: null })
    const { rows, dim, data } = emb
    const bad = data.findIndex((v) => !Number.isFinite(v))
    if (bad >= 0) {
      throw new TaskError({ code: 'invalid', message: `Row ${Math.floor(bad / dim)} of the ${side} embedding is not finite: the run diverged, so there is nothing to map.`, badRows: null })
    }
    const minRows = params.method === 'pca' ? 1 : 3
    if (rows < minRows) throw new TaskError({ code: 'invalid', message: `A ${params.method} map needs at least ${minRows} rows; this embedding has ${rows}.`, badRows: null })

    const method = params.method
    const dims = params.dims
    let lastLive = -Infinity
    let firstLayoutSeconds: number | null = null
    const post = async (iteration: number, totalIterations: number, layout: Float32Array, force: boolean) => {
      const live: LiveLayout = { runId, side, method, iteration, totalIterations, dims, coords: Array.from(layout, round4) }
      reporter.live({ done: iteration, total: totalIterations, unit: 'steps', message: `${label(method)}: step ${iteration} of ${totalIterations}` }, live, force)
      firstLayoutSeconds ??= (performance.now() - t0) / 1000
      // Let the message leave before the next stretch of work: a forked worker's IPC pipe takes a layout
      // (~600 KB at 37,020 points) in several writes, each needing a turn of the event loop, and the
      // neighbour search that follows the first layout blocks the loop for seconds.
      await new Promise<void>((resolve) => setTimeout(resolve, FLUSH_MS))
    }
    const onProgress = async (p: LayoutProgress) => {
      const now = performance.now()
      if (p.layout && (now - lastLive >= LIVE_INTERVAL_MS || firstLayoutSeconds === null)) {
        lastLive = now
        await post(p.iteration, p.totalIterations, p.layout(), true)
      } else {
        const at = p.iteration > 0 ? ` · step ${p.iteration} of ${p.totalIterations}` : ''
        reporter.progress({ done: p.iteration, total: p.totalIterations, unit: 'steps', message: `${label(method)}: ${p.phase}${at}` })
      }
    }

    let coords: Float32Array
    let iterations = 1
    if (method === 'pca') {
      coords = normaliseLayout(pca(data, rows, dim, { dims, normalise: params.metric === 'cosine' }).coords, rows, dims)
    } else if (method === 'tsne') {
      coords = (await tsne(data, rows, dim, { dims, metric: params.metric, perplexity: params.perplexity, iterations: params.iterations, seed: params.seed }, onProgress)).coords
      iterations = params.iterations
    } else {
      const r = await umap(data, rows, dim, { dims, metric: params.metric, nNeighbors: params.nNeighbors, minDist: params.minDist, iterations: params.iterations, seed: params.seed }, onProgress)
      coords = r.coords
      iterations = r.epochs
    }
    await post(iterations, iterations, coords, true)
    const seconds = (performance.now() - t0) / 1000
    const projectionId = saveProjection(db, { runId, side, method, params, dims, rows, coords, seconds })
    return { projectionId, seconds, firstLayoutSeconds }
  } finally {
    db.close()
  }
}

function label(method: ProjectionParams['method']): string {
  return method === 'pca' ? 'PCA' : method === 'tsne' ? 't-SNE' : 'UMAP'
}

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4
