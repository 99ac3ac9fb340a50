/**
 * Map jobs end to end through the API: the real `project` worker process on
 * a trained run of the sample library. A t-SNE job streams its layout as
 * `projectionProgress` events and, cancelled mid-way, ends 'cancelled' with
 * nothing stored; a PCA job stores one 2-D point per entity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkbench, type Workbench } from '../src/main/app'
import { memoryTransport } from '../src/main/api/memory'
import { createApiClient, type EventPayload, type WorkbenchApi } from '../src/shared/api'
import type { Dataset } from '../src/shared/schemas'
import type { Run } from '../src/shared/train'
import { tempDir } from './helpers/tmp'

let tmp: ReturnType<typeof tempDir>
let wb: Workbench
let api: WorkbenchApi
let library: Dataset
let run: Run

beforeAll(async () => {
  tmp = tempDir()
  wb = createWorkbench({ dataDir: tmp.dir, samples: false })
  api = createApiClient(memoryTransport(wb.handlers, wb.events))
  const done = await wb.jobs.wait((await api.addSampleDatasets({})).id)
  const ids = done.result!.datasetIds as number[]
  library = (await Promise.all(ids.map((id) => api.getDataset({ id })))).find((d) => d.options.sample === 'library')!
  const started = await api.startRun({
    datasetId: library.id,
    params: { model: 'entity-pairs', dim: 16, nPositive: 512, negativeRatio: 2, epochs: 2, optimizer: 'adam', learningRate: 0.01, seed: 7 },
    engine: 'sparse',
    threads: 1,
    name: 'maps',
  })
  await wb.jobs.wait(started.jobId!)
  run = await api.getRun({ id: started.id })
  expect(run.status).toBe('succeeded')
})
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

afterAll(() => {
  wb?.close()
  tmp?.cleanup()
})

describe('map jobs', () => {
  it('a t-SNE job streams live layouts; cancelled mid-way it ends cancelled and stores nothing', async () => {
    const rows = library.stats!.left.count
    const before = await api.listProjections({ runId: run.id })
    const events: EventPayload<'projectionProgress'>[] = []
    const off = api.onProjectionProgress((p) => events.push(p))
    try {
      // The most steps allowed: it cannot finish while the test watches it.
      const job = await api.startProjection({ runId: run.id, side: 'left', params: { method: 'tsne', iterations: 5000 } })
      const frames = () => events.filter((f) => f.jobId === job.id)
      expect(job).toMatchObject({ status: 'running', kind: 'project' })
      // The first layout (the PCA start) comes within a second, then one about every second while it optimises.
      await expect.poll(() => frames().filter((f) => f.iteration > 0).length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(2)
      const seen = frames()
      for (const f of seen) {
        expect(f).toMatchObject({ runId: run.id, side: 'left', method: 'tsne', dims: 2, totalIterations: 5000 })
        expect(f.coords.length).toBe(rows * 2)
        expect(f.coords.every(Number.isFinite)).toBe(true)
      }
      const iterations = seen.map((f) => f.iteration)
      expect(iterations).toEqual([...iterations].sort((a, b) => a - b))
      expect(new Set(iterations).size).toBe(iterations.length)
      expect(iterations.at(-1)!).toBeLessThan(5000)
      // The layout moves between frames.
      expect(seen.at(-1)!.coords).not.toEqual(seen.at(-2)!.coords)
      expect((await api.listJobs({})).find((j) => j.id === job.id)?.status).toBe('running')
      const pid = wb.jobs.workerPid(job.id)
      expect(pid).not.toBeNull()

      const cancelled = await api.cancelJob({ id: job.id })
      expect(cancelled.status).toBe('cancelled')
      const ended = await wb.jobs.wait(job.id)
      expect(ended).toMatchObject({ status: 'cancelled', result: null, error: null })
      expect((await api.listJobs({})).find((j) => j.id === job.id)?.status).toBe('cancelled')
      // The worker is gone, no frame comes after the cancel, no map is stored.
      const count = frames().length
      await new Promise((r) => setTimeout(r, 1500))
      expect(frames().length).toBe(count)
      expect(isAlive(pid!)).toBe(false)
      expect(await api.listProjections({ runId: run.id })).toEqual(before)
    } finally {
      off()
    }
  })

  it('a PCA job stores a 2-D map with one row per entity', async () => {
    const rows = library.stats!.left.count
    const events: EventPayload<'projectionProgress'>[] = []
    const off = api.onProjectionProgress((p) => events.push(p))
    const job = await api.startProjection({ runId: run.id, side: 'left', params: { method: 'pca' } }).catch((err: unknown) => {
      off()
      throw err
    })
    const ended = await wb.jobs.wait(job.id).finally(off)
    const frames = events.filter((f) => f.jobId === job.id)
    expect(ended.status).toBe('succeeded')
    const projectionId = ended.result!.projectionId as number
    const list = await api.listProjections({ runId: run.id })
    expect(list.map((p) => p.id)).toEqual([projectionId])
    expect(list[0]).toMatchObject({ runId: run.id, side: 'left', method: 'pca', dims: 2, rows })
    const data = await api.getProjection({ id: projectionId })
    expect(data.projection).toEqual(list[0])
    expect(data.coords.length).toBe(rows * 2)
    expect(data.coords.every(Number.isFinite)).toBe(true)
    // Not collapsed: the points spread along both axes.
    const xs = data.coords.filter((_, i) => i % 2 === 0)
    const ys = data.coords.filter((_, i) => i % 2 === 1)
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(0)
    expect(Math.max(...ys) - Math.min(...ys)).toBeGreaterThan(0)
    // The final layout was posted as a frame too, matching what was stored (rounded to 1e-4).
    const final = frames.at(-1)!
    expect(final).toMatchObject({ method: 'pca', iteration: 1, totalIterations: 1, dims: 2 })
    expect(final.coords.length).toBe(rows * 2)
    expect(final.coords.every((v, i) => Math.abs(v - data.coords[i]!) < 1e-3)).toBe(true)
  })
})
