import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { ProjectionProgress, type ProjectionParamsInput } from '../../shared/explore'
import { PairModelParams } from '../../shared/train'
import type { WorkerMessage } from '../jobs/protocol'
import { Reporter, TaskError } from '../jobs/reporter'
import { createDataset } from '../store/datasets'
import { openDatabase, type Db } from '../store/db'
import { getProjectionData, listProjections } from '../store/projections'
import { createRun, finishRun, saveEmbedding } from '../store/runs'
import { knnPurity, plantedClusters } from './synthetic'
import { runProjectTask } from './task'

let tmp: ReturnType<typeof tempDir>
let db: Db
let dbPath: string
let runId: number
const rows = 600
const dim = 16
const planted = plantedClusters({ n: rows, dim, clusters: 6, spread: 0.6, skew: 0, seed: 3 })

beforeEach(() => {
  tmp = tempDir()
  dbPath = join(tmp.dir, 'w.sqlite')
  db = openDatabase(dbPath)
  const datasetId = createDataset(db, { name: 'd', kind: 'pairs', format: 'pairs-csv', source: '/x.csv', leftLabel: 'books', rightLabel: 'links', options: {}, ownerPid: process.pid })
  runId = createRun(db, { datasetId, name: 'r', params: PairModelParams.parse({ model: 'entity-pairs', dim }), engineChoice: 'sparse', threads: 1 })
  saveEmbedding(db, runId, 'left', rows, dim, planted.data)
  saveEmbedding(db, runId, 'right', 3, dim, new Float32Array(3 * dim).fill(Number.NaN))
  finishRun(db, runId, 'succeeded')
})
afterEach(() => {
  db.close()
  tmp.cleanup()
})

function capture(): { reporter: Reporter; messages: WorkerMessage[] } {
  const messages: WorkerMessage[] = []
  return { reporter: new Reporter((m) => messages.push(m)), messages }
}

const env = () => ({ dbPath, nativeBinding: null })
const LiveLayout = ProjectionProgress.omit({ jobId: true })

describe('project task', () => {
  // Least 10-NN purity of the stored map: 6 planted centres span 5 dimensions, which PCA's plane cannot
  // keep apart (measured 0.76); t-SNE and UMAP do (measured ≥ 0.99).
  it.each<[string, ProjectionParamsInput, number, number]>([
    ['pca', { method: 'pca' }, 1, 0.7],
    ['tsne', { method: 'tsne', iterations: 300, perplexity: 20 }, 300, 0.9],
    ['umap', { method: 'umap', iterations: 100, dims: 3 }, 100, 0.9],
  ])('%s: maps every row, posts live layouts from the start, stores the projection', async (method, params, total, purity) => {
    const { reporter, messages } = capture()
    const result = await runProjectTask({ runId, side: 'left', params }, env(), reporter)
    const data = getProjectionData(db, result.projectionId as number)!
    const dims = data.projection.dims
    expect(data.projection).toMatchObject({ runId, side: 'left', method, rows, dims: params.dims ?? 2 })
    expect(data.projection.params).toMatchObject(params)
    expect(data.coords).toHaveLength(rows * dims)
    expect(listProjections(db, runId).map((p) => p.id)).toEqual([result.projectionId])
    expect(knnPurity(data.coords, rows, dims, planted.labels)).toBeGreaterThanOrEqual(purity)

    const live = messages.flatMap((m) => (m.type === 'progress' && m.live ? [LiveLayout.parse(m.live)] : []))
    expect(live.length).toBeGreaterThanOrEqual(method === 'pca' ? 1 : 2)
    for (const l of live) {
      expect(l).toMatchObject({ runId, side: 'left', method, dims, totalIterations: total })
      expect(l.coords).toHaveLength(rows * dims)
    }
    // t-SNE and UMAP show their PCA start (iteration 0) first; the last layout is the stored one (rounded to 1e-4).
    if (method !== 'pca') expect(live[0]!.iteration).toBe(0)
    const last = live[live.length - 1]!
    expect(last.iteration).toBe(total)
    last.coords.forEach((c, t) => expect(Math.abs(c - data.coords[t]!)).toBeLessThanOrEqual(5e-5))
    expect(result.firstLayoutSeconds).toBeGreaterThanOrEqual(0)
  })

  it('refuses a side without an embedding, or one that is not finite', async () => {
    db.prepare('DELETE FROM embeddings WHERE run_id = ? AND side = ?').run(runId, 'left')
    const { reporter } = capture()
    await expect(runProjectTask({ runId, side: 'left', params: { method: 'pca' } }, env(), reporter)).rejects.toThrow(/no left embedding/)
    const err = await runProjectTask({ runId, side: 'right', params: { method: 'umap' } }, env(), reporter).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TaskError)
    expect((err as TaskError).jobError.code).toBe('invalid')
    expect(listProjections(db, runId)).toEqual([])
  })

  it('rejects malformed parameters', async () => {
    const { reporter } = capture()
    await expect(runProjectTask({ runId, side: 'left', params: { method: 'mds' } }, env(), reporter)).rejects.toThrow()
  })
})
