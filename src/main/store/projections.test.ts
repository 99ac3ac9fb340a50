import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { ProjectionParams } from '../../shared/explore'
import { PairModelParams } from '../../shared/train'
import { createDataset } from './datasets'
import { openDatabase, type Db } from './db'
import { deleteProjection, getProjectionData, listProjections, saveProjection, type NewProjection } from './projections'
import { createRun, deleteRun } from './runs'

let tmp: ReturnType<typeof tempDir>
let db: Db
let runId: number
beforeEach(() => {
  tmp = tempDir()
  db = openDatabase(join(tmp.dir, 'w.sqlite'))
  const datasetId = createDataset(db, { name: 'd', kind: 'pairs', format: 'pairs-csv', source: '/x.csv', leftLabel: 'books', rightLabel: 'links', options: {}, ownerPid: process.pid })
  runId = createRun(db, { datasetId, name: 'r', params: PairModelParams.parse({ model: 'entity-pairs' }), engineChoice: 'sparse', threads: 1 })
})
afterEach(() => {
  db.close()
  tmp.cleanup()
})

const projection = (over: Partial<NewProjection> = {}): NewProjection => {
  const rows = 5
  const dims = 2
  return {
    runId,
    side: 'left',
    method: 'tsne',
    params: ProjectionParams.parse({ method: 'tsne', perplexity: 12 }),
    dims,
    rows,
    // Values exact in float32: k/8 − 1.
    coords: Float32Array.from({ length: rows * dims }, (_, k) => k / 8 - 1),
    seconds: 1.5,
    ...over,
  }
}

describe('projections store', () => {
  it('round-trips coordinates and parameters', () => {
    const p = projection()
    const id = saveProjection(db, p)
    const data = getProjectionData(db, id)!
    expect(data.coords).toEqual(Array.from(p.coords))
    expect(data.projection).toMatchObject({ id, runId, side: 'left', method: 'tsne', dims: 2, rows: 5, seconds: 1.5 })
    expect(data.projection.params).toEqual(p.params)
    expect(Number.isNaN(Date.parse(data.projection.createdAt))).toBe(false)
  })

  it('reads coordinates stored from a view at an odd offset of a larger buffer', () => {
    const big = new Float32Array(13).map((_, k) => k)
    const id = saveProjection(db, projection({ rows: 3, dims: 3, coords: big.subarray(3, 12) }))
    expect(getProjectionData(db, id)!.coords).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11])
  })

  it('lists a run’s projections newest first, without coordinates', () => {
    const a = saveProjection(db, projection({ method: 'pca', params: ProjectionParams.parse({ method: 'pca' }) }))
    const b = saveProjection(db, projection({ method: 'umap', side: 'right', params: ProjectionParams.parse({ method: 'umap', dims: 3 }), dims: 3, rows: 2, coords: new Float32Array(6) }))
    const list = listProjections(db, runId)
    expect(list.map((p) => p.id)).toEqual([b, a])
    expect(list[0]).not.toHaveProperty('coords')
    expect(list[0]).toMatchObject({ method: 'umap', side: 'right', dims: 3, rows: 2 })
    expect(listProjections(db, runId + 1)).toEqual([])
  })

  it('deletes one projection, and all of them with their run', () => {
    const a = saveProjection(db, projection())
    const b = saveProjection(db, projection())
    expect(deleteProjection(db, a)).toBe(true)
    expect(deleteProjection(db, a)).toBe(false)
    expect(getProjectionData(db, a)).toBeNull()
    deleteRun(db, runId)
    expect(getProjectionData(db, b)).toBeNull()
  })

  it('refuses coordinates that do not match rows × dims', () => {
    expect(() => saveProjection(db, projection({ rows: 4 }))).toThrow(/not 4 × 2/)
  })
})
