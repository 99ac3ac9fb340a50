/**
 * Import jobs that do not finish: cancelled (the worker is killed) or crashed
 * (we kill the worker ourselves). Nothing half-imported may be left ready,
 * and no other dataset may be touched.
 */
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkbench, type Workbench } from '../src/main/app'
import { writePairsCsv } from '../src/main/data/samples'
import { readInteractions } from '../src/main/store/datasets'
import type { Dataset, Job } from '../src/shared/schemas'
import { tempDir } from './helpers/tmp'

let tmp: ReturnType<typeof tempDir>
let wb: Workbench
let big: string
let keeper: Dataset

beforeAll(async () => {
  tmp = tempDir()
  wb = createWorkbench({ dataDir: tmp.dir, samples: false })
  big = join(tmp.dir, 'big.csv')
  writePairsCsv(big, 3_000_000)
  const small = join(tmp.dir, 'small.csv')
  writeFileSync(small, 'left,right\na,x\nb,y\n')
  const job = await wb.handlers.startImport({ spec: spec(small), name: 'keeper', badRows: 'abort' })
  const done = await wb.jobs.wait(job.id)
  keeper = await wb.handlers.getDataset({ id: done.result!.datasetId as number })
})
afterAll(() => {
  wb.close()
  tmp.cleanup()
})

function spec(path: string) {
  return {
    format: 'pairs-csv' as const,
    file: { path },
    delimiter: 'auto' as const,
    leftColumn: 'left',
    rightColumn: 'right',
    valueColumn: null,
    timestampColumn: null,
    leftLabel: 'left',
    rightLabel: 'right',
  }
}

/** Start the big import and resolve once the worker has written some rows. */
async function startBigImport(): Promise<{ job: Job; datasetId: number }> {
  const job = await wb.handlers.startImport({ spec: spec(big), name: 'big', badRows: 'abort' })
  await expect
    .poll(() => {
      const j = wb.jobs.get(job.id)!
      return j.progress.unit === 'bytes' && j.progress.done > 0
    }, { timeout: 20_000, interval: 20 })
    .toBe(true)
  const importing = (await wb.handlers.listDatasets({})).find((d) => d.name === 'big' && d.status === 'importing')
  expect(importing).toBeDefined()
  return { job, datasetId: importing!.id }
}

async function expectKeeperIntact(): Promise<void> {
  expect(await wb.handlers.getDataset({ id: keeper.id })).toEqual(keeper)
  expect(readInteractions(wb.db, keeper.id).left.length).toBe(2)
}

describe('imports that do not finish', () => {
  it('cancel kills the worker and removes the partial dataset', async () => {
    const { job, datasetId } = await startBigImport()
    const cancelled = await wb.handlers.cancelJob({ id: job.id })
    expect(cancelled.status).toBe('cancelled')
    expect((await wb.handlers.listDatasets({})).map((d) => d.id)).not.toContain(datasetId)
    expect(readInteractions(wb.db, datasetId).left.length).toBe(0)
    await expectKeeperIntact()
  })

  it('a worker killed mid-import fails the job and leaves the dataset failed, never ready', async () => {
    const { job, datasetId } = await startBigImport()
    process.kill(wb.jobs.workerPid(job.id)!, 'SIGKILL')
    const done = await wb.jobs.wait(job.id)
    expect(done.status).toBe('failed')
    expect(done.error?.code).toBe('crashed')
    expect(done.error?.message).toMatch(/killed by SIGKILL/)
    const d = await wb.handlers.getDataset({ id: datasetId })
    expect(d.status).toBe('failed')
    expect(d.error).toMatch(/killed by SIGKILL/)
    expect(readInteractions(wb.db, datasetId).left.length).toBe(0)
    await expectKeeperIntact()
    // The app lives on: the next import works.
    const again = await wb.handlers.startImport({ spec: spec(join(tmp.dir, 'small.csv')), name: 'again', badRows: 'abort' })
    expect((await wb.jobs.wait(again.id)).status).toBe('succeeded')
  })

  it('refuses to delete a dataset while its import runs', async () => {
    const { job, datasetId } = await startBigImport()
    await expect(wb.handlers.deleteDataset({ id: datasetId })).rejects.toThrow(/still importing/)
    await wb.handlers.cancelJob({ id: job.id })
  })
})

describe('sample datasets', () => {
  it('adds the two samples once, and only the missing one again', async () => {
    const first = await wb.jobs.wait((await wb.handlers.addSampleDatasets({})).id)
    expect(first.status).toBe('succeeded')
    const ids = first.result!.datasetIds as number[]
    const added = await Promise.all(ids.map((id) => wb.handlers.getDataset({ id })))
    expect(added.map((d) => [d.options.sample, d.status, d.kind])).toEqual([
      ['library', 'ready', 'pairs'],
      ['ratings', 'ready', 'ratings'],
    ])
    await expect(wb.handlers.addSampleDatasets({})).rejects.toThrow(/already here/)
    await wb.handlers.deleteDataset({ id: ids[0]! })
    const again = await wb.handlers.addSampleDatasets({})
    expect(again.title).toBe('Add the sample library')
    const done = await wb.jobs.wait(again.id)
    const readded = await wb.handlers.getDataset({ id: (done.result!.datasetIds as number[])[0]! })
    expect(readded.options.sample).toBe('library')
    expect(readded.stats).toEqual(added[0]!.stats)
  })
})
