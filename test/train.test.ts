/**
 * Training runs end to end through the API: the real `train` worker process,
 * the sparse engine, a real SQLite store. The sample library has planted
 * genres, so a trained model must put same-genre books together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkbench, type Workbench } from '../src/main/app'
import { dispatch } from '../src/main/api/handlers'
import { ApiError, createApiClient, type WorkbenchApi } from '../src/shared/api'
import { memoryTransport } from '../src/main/api/memory'
import type { Dataset } from '../src/shared/schemas'
import type { PairModelParamsInput, Run } from '../src/shared/train'
import { loadCheckpoint, loadEmbedding, saveCheckpoint } from '../src/main/store/runs'
import { deserializeState, serializeState } from '../src/main/train/checkpoint'
import { tempDir } from './helpers/tmp'

let tmp: ReturnType<typeof tempDir>
let wb: Workbench
let library: Dataset
/** The API as a client sees it (validation and defaults applied), over the in-memory transport. */
let api: WorkbenchApi

const QUICK: PairModelParamsInput = { model: 'entity-pairs', dim: 32, nPositive: 512, negativeRatio: 2, epochs: 4, optimizer: 'adam', learningRate: 0.01, seed: 7 }

beforeAll(async () => {
  tmp = tempDir()
  wb = createWorkbench({ dataDir: tmp.dir, samples: false })
  api = createApiClient(memoryTransport(wb.handlers, wb.events))
  const done = await wb.jobs.wait((await api.addSampleDatasets({})).id)
  const ids = done.result!.datasetIds as number[]
  library = (await Promise.all(ids.map((id) => api.getDataset({ id })))).find((d) => d.options.sample === 'library')!
})
afterAll(() => {
  wb.close()
  tmp.cleanup()
})

async function train(params: PairModelParamsInput, threads = 1): Promise<Run> {
  const run = await api.startRun({ datasetId: library.id, params: params as never, engine: 'sparse', threads, name: null })
  await wb.jobs.wait(run.jobId!)
  return api.getRun({ id: run.id })
}

/** Fraction of each book's 5 nearest books (by cosine) that share its planted genre. */
async function genreAgreement(runId: number): Promise<number> {
  const books = await api.listEntities({ datasetId: library.id, side: 'left', limit: 1000, orderBy: 'index' })
  const genreOf = new Map<string, string>()
  const all = [...books.items]
  for (let offset = 1000; offset < books.total; offset += 1000) {
    all.push(...(await api.listEntities({ datasetId: library.id, side: 'left', limit: 1000, offset, orderBy: 'index' })).items)
  }
  for (const b of all) genreOf.set(b.key, b.metadata.genre!)
  let same = 0
  let total = 0
  for (const b of all.filter((_, i) => i % 10 === 0)) {
    const n = await api.neighbours({ runId, side: 'left', index: b.index, k: 5 })
    for (const item of n.items) {
      total++
      if (genreOf.get(item.entity.key) === genreOf.get(b.key)) same++
    }
  }
  return same / total
}

describe('training runs', () => {
  let first: Run

  it('trains the sample library: metrics per step and epoch, embeddings stored, loss falls', async () => {
    first = await train(QUICK)
    expect(first.status).toBe('succeeded')
    expect(first.engine).toMatchObject({ engine: 'sparse', threads: 1 })
    expect(first.step).toBe(first.totalSteps)
    expect(first.totalSteps).toBe(first.stepsPerEpoch * 4)
    expect(first.stepsPerEpoch).toBe(Math.floor(library.stats!.interactions / 512))
    const [m] = await api.getRunMetrics({ ids: [first.id], keys: null })
    expect(m!.series.batch_loss!.value.length).toBe(first.totalSteps)
    expect(m!.series.loss!.epoch).toEqual([1, 2, 3, 4])
    const loss = m!.series.loss!.value
    expect(loss[3]!).toBeLessThan(loss[0]!)
    expect(m!.series.accuracy!.value[3]!).toBeGreaterThan(0.8)
    expect(loadEmbedding(wb.db, first.id, 'left')).toMatchObject({ rows: library.stats!.left.count, dim: 32 })
  })

  it('puts books of the same planted genre next to each other', async () => {
    // Measured 0.9+ on this sample (chance is about 1/8).
    expect(await genreAgreement(first.id)).toBeGreaterThan(0.6)
  })

  it('the same seed repeats the run exactly (single thread)', async () => {
    const again = await train(QUICK)
    expect(loadEmbedding(wb.db, again.id, 'left')!.data).toEqual(loadEmbedding(wb.db, first.id, 'left')!.data)
    await api.deleteRun({ id: again.id })
  })

  it('a killed training worker leaves the run resumable; it finishes with the same steps and weights', async () => {
    const run = await api.startRun({ datasetId: library.id, params: QUICK as never, engine: 'sparse', threads: 1, name: 'killed' })
    // Wait for the first checkpoint (end of epoch 1), then kill the worker mid-epoch 2.
    await expect.poll(() => loadCheckpoint(wb.db, run.id)?.epoch ?? 0, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(1)
    process.kill(wb.jobs.workerPid(run.jobId!)!, 'SIGKILL')
    await wb.jobs.wait(run.jobId!)
    const failed = await api.getRun({ id: run.id })
    expect(failed.status).toBe('failed')
    expect(failed.error).toMatch(/SIGKILL/)
    expect(failed.checkpointEpoch).toBeGreaterThanOrEqual(1)
    // The app is still responsive.
    expect((await api.listRuns({})).length).toBeGreaterThanOrEqual(2)

    const resumed = await api.resumeRun({ id: run.id })
    await wb.jobs.wait(resumed.jobId!)
    const done = await api.getRun({ id: run.id })
    expect(done.status).toBe('succeeded')
    expect(done.step).toBe(first.totalSteps)
    const [m] = await api.getRunMetrics({ ids: [run.id], keys: ['batch_loss', 'loss'] })
    expect(m!.series.batch_loss!.step).toEqual(Array.from({ length: first.totalSteps }, (_, i) => i + 1))
    expect(m!.series.loss!.epoch).toEqual([1, 2, 3, 4])
    expect(loadEmbedding(wb.db, run.id, 'left')!.data).toEqual(loadEmbedding(wb.db, first.id, 'left')!.data)
  })

  it('a NaN loss stops the run with a clear message', async () => {
    const run = await train({ ...QUICK, epochs: 2 })
    // Corrupt the checkpoint of a finished run, then resume it from there.
    const ck = loadCheckpoint(wb.db, run.id)!
    const state = deserializeState(ck.state)
    state.tables.left.fill(Number.NaN)
    saveCheckpoint(wb.db, run.id, 1, ck.step / 2, serializeState(state))
    wb.db.prepare(`UPDATE runs SET status = 'failed' WHERE id = ?`).run(run.id)
    const resumed = await api.resumeRun({ id: run.id })
    await wb.jobs.wait(resumed.jobId!)
    const r = await api.getRun({ id: run.id })
    expect(r.status).toBe('failed')
    expect(r.error).toMatch(/loss became NaN at epoch 2/)
    expect(r.error).toMatch(/Lower the learning rate/)
  })

  it('cancel stops a run, which can then be resumed', async () => {
    const epochs = 8
    const run = await api.startRun({ datasetId: library.id, params: { ...QUICK, epochs } as never, engine: 'sparse', threads: 1, name: 'cancelled' })
    // Cancel mid-run, once the first checkpoint (end of epoch 1) exists: far from the last epoch.
    await expect.poll(() => loadCheckpoint(wb.db, run.id)?.epoch ?? 0, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(1)
    const cancelled = await api.cancelRun({ id: run.id })
    expect(cancelled.status).toBe('cancelled')
    await wb.jobs.wait(run.jobId!)
    await expect(api.cancelRun({ id: run.id })).rejects.toThrow(/only a running run/)
    const stopped = await api.getRun({ id: run.id })
    expect(stopped.status).toBe('cancelled')
    expect(stopped.checkpointEpoch).toBeGreaterThanOrEqual(1)
    expect(stopped.checkpointEpoch).toBeLessThan(epochs)
    expect(stopped.step).toBeLessThan(stopped.totalSteps)

    const resumed = await api.resumeRun({ id: run.id })
    expect(resumed.jobId).not.toBe(run.jobId)
    await wb.jobs.wait(resumed.jobId!)
    const done = await api.getRun({ id: run.id })
    expect(done.status).toBe('succeeded')
    expect(done.error).toBeNull()
    expect(done.totalSteps).toBe(done.stepsPerEpoch * epochs)
    expect(done.step).toBe(done.totalSteps)
    // The steps done after the checkpoint and before the cancel were dropped and redone: each step once.
    const [m] = await api.getRunMetrics({ ids: [run.id], keys: ['batch_loss', 'loss'] })
    const steps = m!.series.batch_loss!.step
    expect(new Set(steps).size).toBe(steps.length)
    expect(steps).toEqual(Array.from({ length: done.totalSteps }, (_, i) => i + 1))
    expect(m!.series.loss!.epoch).toEqual(Array.from({ length: epochs }, (_, i) => i + 1))
    expect(loadEmbedding(wb.db, run.id, 'left')).toMatchObject({ rows: library.stats!.left.count, dim: 32 })
  })

  it('trains with the TensorFlow.js engine in the worker too, recording backend and versions', async () => {
    const run = await api.startRun({ datasetId: library.id, params: { ...QUICK, epochs: 1 } as never, engine: 'tfjs', threads: 0, name: 'tfjs' })
    await wb.jobs.wait(run.jobId!)
    const done = await api.getRun({ id: run.id })
    expect(done.status).toBe('succeeded')
    expect(done.engine).toMatchObject({ engine: 'tfjs', backend: 'wasm' })
    expect(done.engine!.versions).toHaveProperty('tfjs')
    expect(done.finalAccuracy!).toBeGreaterThan(0.6)
  })

  it('validates hyper-parameters with clear messages naming the field', async () => {
    const bad = { datasetId: library.id, params: { model: 'entity-pairs', dim: 0, optimizer: 'rmsprop' } }
    const err = (await dispatch(wb.handlers, 'startRun', bad).catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.code).toBe('invalid_request')
    expect(err.issues?.map((i) => i.path).sort()).toEqual(['params.dim', 'params.optimizer'])
  })
})
