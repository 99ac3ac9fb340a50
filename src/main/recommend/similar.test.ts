import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { SimilarQuery } from '../../shared/explore'
import { openDatabase, type Db } from '../store/db'
import { saveEmbedding } from '../store/runs'
import { cachedEntries, forgetAll, forgetDataset, forgetRun } from './cache'
import { exactSearch, meanVector } from './exact'
import { annSettings, indexStatus, prepareIndex, runTable, similarEntities } from './similar'
import { clusteredVectors } from './synthetic'
import { entities, makeDataset, makeRun } from './test-fixtures'
import { VectorTable } from './vectors'

const rows = 3000
const dim = 24
const data = clusteredVectors(rows, dim, { clusters: 10, seed: 2 })

let tmp: ReturnType<typeof tempDir>
let db: Db
let datasetId: number
let runId: number
beforeEach(() => {
  tmp = tempDir()
  db = openDatabase(join(tmp.dir, 'w.sqlite'))
  datasetId = makeDataset(db, { left: entities(rows, 'L'), right: entities(5, 'R') })
  runId = makeRun(db, datasetId, { left: { rows, dim, data }, right: { rows: 5, dim, data: data.slice(0, 5 * dim) } })
})
afterEach(() => {
  forgetAll()
  db.close()
  tmp.cleanup()
})

const similar = (q: Partial<SimilarQuery>) => similarEntities(db, SimilarQuery.parse({ runId, side: 'left', indices: [0], ...q }))

describe('similarEntities', () => {
  it('answers exactly with entities and scores of the reference search', () => {
    const table = new VectorTable(rows, dim, data)
    for (const metric of ['cosine', 'euclidean'] as const) {
      for (const direction of ['nearest', 'farthest'] as const) {
        const r = similar({ indices: [7, 8], k: 12, metric, direction })
        const want = exactSearch(table, meanVector(table, [7, 8], metric), 12, metric, direction, [7, 8])
        expect(r.method).toBe('exact')
        expect(r.scoreName).toBe(metric === 'cosine' ? 'cosine' : 'distance')
        expect(r.items.map((x) => x.entity.key)).toEqual(want.map((w) => `L${w.index}`))
        expect(r.items.map((x) => x.score)).toEqual(want.map((w) => w.score))
        expect(r.tookMs).toBeGreaterThanOrEqual(0)
      }
    }
  })

  it('rejects an index outside the table and a run without that side', () => {
    expect(() => similar({ indices: [rows] })).toThrow(/No left entity 3000/)
    const bare = makeRun(db, datasetId, { left: { rows, dim, data } })
    expect(() => similarEntities(db, SimilarQuery.parse({ runId: bare, side: 'right', indices: [0] }))).toThrow(/no right embeddings/)
    expect(() => similar({ runId: 999 })).toThrow(/does not exist/)
  })

  it("'auto' stays exact on a small table; 'approximate' answers exactly until its index is built, then uses it", async () => {
    expect(similar({ method: 'auto' }).method).toBe('exact')
    expect(indexStatus(runId, 'left', 'cosine')).toBe('none')
    const first = similar({ method: 'approximate', k: 10 })
    expect(first.method).toBe('exact')
    expect(indexStatus(runId, 'left', 'cosine')).toBe('building')
    await prepareIndex(db, runId, 'left', 'cosine')
    expect(indexStatus(runId, 'left', 'cosine')).toBe('ready')
    const second = similar({ method: 'approximate', k: 10 })
    expect(second.method).toBe('approximate')
    const overlap = second.items.filter((x) => first.items.some((y) => y.entity.index === x.entity.index)).length
    expect(overlap).toBeGreaterThanOrEqual(9)
    expect(second.items.map((x) => x.entity.index)).not.toContain(0)
    // Farthest never uses the index.
    expect(similar({ method: 'approximate', direction: 'farthest' }).method).toBe('exact')
  })

  it("'auto' goes approximate on a table above the limit once its index is ready", async () => {
    const limit = annSettings.autoExactLimit
    annSettings.autoExactLimit = rows * dim - 1
    try {
      expect(similar({ method: 'auto' }).method).toBe('exact')
      await prepareIndex(db, runId, 'left', 'cosine')
      expect(similar({ method: 'auto' }).method).toBe('approximate')
      expect(similar({ method: 'exact' }).method).toBe('exact')
    } finally {
      annSettings.autoExactLimit = limit
    }
  })

  it('forgetRun and forgetDataset drop the cached tables and indices', async () => {
    similar({})
    await prepareIndex(db, runId, 'left', 'euclidean')
    expect(cachedEntries({ runId })).toBe(2) // table + index
    forgetRun(runId)
    expect(cachedEntries({ runId })).toBe(0)
    expect(indexStatus(runId, 'left', 'euclidean')).toBe('none')
    similar({})
    expect(cachedEntries({ datasetId })).toBeGreaterThanOrEqual(2) // entities + table
    forgetDataset(datasetId)
    expect(cachedEntries({ datasetId })).toBe(0)
  })

  it('a cancelled build (forgetRun while building) leaves the run answering exactly', async () => {
    similar({ method: 'approximate' })
    const pending = prepareIndex(db, runId, 'left', 'cosine')
    forgetRun(runId)
    await expect(pending).rejects.toThrow(/cancelled/)
    expect(similar({ method: 'approximate' }).method).toBe('exact') // and a new build starts
    expect(indexStatus(runId, 'left', 'cosine')).toBe('building')
  })

  it('sees new embeddings when a run is trained again, without forget', () => {
    const before = runTable(db, runId, 'left').table
    const moved = data.map((x) => -x)
    saveEmbedding(db, runId, 'left', rows, dim, moved)
    // ended_at has millisecond resolution: make sure the stamp changes.
    db.prepare('UPDATE runs SET ended_at = ? WHERE id = ?').run('2000-01-01T00:00:00.000Z', runId)
    expect(runTable(db, runId, 'left').table).not.toBe(before)
    expect(runTable(db, runId, 'left').table.data[0]).toBe(-data[0]!)
  })
})
