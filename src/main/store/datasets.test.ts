import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { openDatabase, type Db } from './db'
import {
  CHUNK_SIZE,
  createDataset,
  deleteDataset,
  failInterruptedImports,
  getDataset,
  insertEntities,
  InteractionWriter,
  markFailed,
  queryEntities,
  readInteractions,
  type NewDataset,
} from './datasets'

let tmp: ReturnType<typeof tempDir>
let db: Db
beforeEach(() => {
  tmp = tempDir()
  db = openDatabase(join(tmp.dir, 'w.sqlite'))
})
afterEach(() => {
  db.close()
  tmp.cleanup()
})

const spec = (over: Partial<NewDataset> = {}): NewDataset => ({
  name: 'd',
  kind: 'pairs',
  format: 'pairs-csv',
  source: '/x.csv',
  leftLabel: 'books',
  rightLabel: 'links',
  options: {},
  ownerPid: process.pid,
  ...over,
})

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString())
}

describe('interaction chunks', () => {
  it('round-trips across chunk boundaries in file order', () => {
    const id = createDataset(db, spec({ kind: 'ratings' }))
    const n = 2 * CHUNK_SIZE + 17
    const w = new InteractionWriter(db, id, { value: true, ts: true })
    db.transaction(() => {
      for (let i = 0; i < n; i++) w.add(i % 1000, (i * 7) % 513, (i % 5) + 0.5, 1e9 + i)
      w.flush()
    })()
    expect(w.total).toBe(n)
    const r = readInteractions(db, id)
    expect(r.left.length).toBe(n)
    for (const i of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, 2 * CHUNK_SIZE, n - 1]) {
      expect(r.left[i]).toBe(i % 1000)
      expect(r.right[i]).toBe((i * 7) % 513)
      expect(r.value![i]).toBe((i % 5) + 0.5)
      expect(r.ts![i]).toBe(1e9 + i)
    }
  })

  it('stores no value/timestamp columns for plain pairs', () => {
    const id = createDataset(db, spec())
    const w = new InteractionWriter(db, id, { value: false, ts: false })
    w.add(1, 2)
    w.flush()
    const r = readInteractions(db, id)
    expect([...r.left, ...r.right]).toEqual([1, 2])
    expect(r.value).toBeNull()
    expect(r.ts).toBeNull()
  })
})

describe('dataset lifecycle', () => {
  it('a new dataset is importing, never ready, until marked', () => {
    const id = createDataset(db, spec())
    expect(getDataset(db, id)!.status).toBe('importing')
  })

  it('an import whose owner died is marked failed with its partial data dropped; a live owner keeps it', () => {
    const orphan = createDataset(db, spec({ ownerPid: deadPid() }))
    const live = createDataset(db, spec({ ownerPid: process.ppid }))
    const w = new InteractionWriter(db, orphan, { value: false, ts: false })
    w.add(0, 0)
    w.flush()
    insertEntities(db, orphan, 'left', [{ key: 'a', label: 'a', frequency: 1, metadata: null }])
    expect(failInterruptedImports(db)).toEqual([orphan])
    const d = getDataset(db, orphan)!
    expect(d.status).toBe('failed')
    expect(d.error).toMatch(/interrupted/)
    expect(readInteractions(db, orphan).left.length).toBe(0)
    expect(queryEntities(db, { datasetId: orphan, side: 'left', query: '', orderBy: 'index', limit: 10, offset: 0 }).total).toBe(0)
    expect(getDataset(db, live)!.status).toBe('importing')
  })

  it('markFailed and delete touch no other dataset', () => {
    const a = createDataset(db, spec({ name: 'a' }))
    const b = createDataset(db, spec({ name: 'b' }))
    for (const id of [a, b]) {
      insertEntities(db, id, 'left', [{ key: 'k', label: 'K', frequency: 1, metadata: { genre: 'x' } }])
      const w = new InteractionWriter(db, id, { value: false, ts: false })
      w.add(0, 0)
      w.flush()
    }
    markFailed(db, a, 'boom')
    expect(readInteractions(db, b).left.length).toBe(1)
    expect(deleteDataset(db, a)).toBe(true)
    expect(getDataset(db, a)).toBeNull()
    expect(getDataset(db, b)!.name).toBe('b')
    const ents = queryEntities(db, { datasetId: b, side: 'left', query: 'K', orderBy: 'index', limit: 10, offset: 0 })
    expect(ents.items).toEqual([{ index: 0, key: 'k', label: 'K', frequency: 1, metadata: { genre: 'x' } }])
  })
})
