/**
 * Small store fixtures for the recommend tests: a ready dataset with given
 * entities and interactions, a finished run with given embeddings.
 */
import { PairModelParams } from '../../shared/train'
import type { Side } from '../../shared/schemas'
import { createDataset, insertEntities, InteractionWriter, type EntityRecord } from '../store/datasets'
import type { Db } from '../store/db'
import { createRun, finishRun, saveEmbedding } from '../store/runs'

export interface DatasetFixture {
  left: EntityRecord[]
  right: EntityRecord[]
  /** [left index, right index, value?] */
  interactions?: [number, number, number?][]
}

export const entity = (key: string, label = key, frequency = 1, metadata: Record<string, string> | null = null): EntityRecord => ({
  key,
  label,
  frequency,
  metadata,
})

export function makeDataset(db: Db, f: DatasetFixture): number {
  const rows = f.interactions ?? []
  const hasValues = rows.some((r) => r[2] !== undefined)
  const id = createDataset(db, {
    name: 'fixture',
    kind: hasValues ? 'ratings' : 'pairs',
    format: 'test',
    source: 'test',
    leftLabel: 'left',
    rightLabel: 'right',
    options: {},
    ownerPid: process.pid,
  })
  db.transaction(() => {
    insertEntities(db, id, 'left', f.left)
    insertEntities(db, id, 'right', f.right)
    const w = new InteractionWriter(db, id, { value: hasValues, ts: false })
    for (const [l, r, v] of rows) w.add(l, r, v ?? Number.NaN)
    w.flush()
    db.prepare(`UPDATE datasets SET status = 'ready', owner_pid = NULL WHERE id = ?`).run(id)
  })()
  return id
}

export function makeRun(db: Db, datasetId: number, tables: Partial<Record<Side, { rows: number; dim: number; data: Float32Array }>>): number {
  const params = PairModelParams.parse({ model: 'entity-pairs' })
  const id = createRun(db, { datasetId, name: 'fixture run', params, engineChoice: 'auto', threads: 1 })
  for (const side of ['left', 'right'] as const) {
    const t = tables[side]
    if (t) saveEmbedding(db, id, side, t.rows, t.dim, t.data)
  }
  finishRun(db, id, 'succeeded')
  return id
}

/** n entities e0 … e(n−1) with frequency n − i. */
export const entities = (n: number, prefix = 'e'): EntityRecord[] => Array.from({ length: n }, (_, i) => entity(`${prefix}${i}`, `${prefix}${i}`, n - i))
