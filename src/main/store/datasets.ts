/**
 * Datasets, their entities and their interactions.
 *
 * Interactions are bulk numeric data consumed as arrays (training, stats), so
 * they are stored column-wise in chunks of CHUNK_SIZE rows (see migration 010):
 * an import appends chunks as it streams; a reader concatenates them.
 */
import type { Dataset, DatasetKind, DatasetStats, Entity, Side } from '../../shared/schemas'
import { DatasetStats as DatasetStatsSchema } from '../../shared/schemas'
import { isAlive } from '../lib/process'
import { nowIso, type Db } from './db'

export const CHUNK_SIZE = 65536
export const sideCode = (side: Side): 0 | 1 => (side === 'left' ? 0 : 1)

interface DatasetRow {
  id: number
  name: string
  kind: DatasetKind
  format: string
  source: string
  status: Dataset['status']
  error: string | null
  created_at: string
  left_label: string
  right_label: string
  stats: string | null
  options: string
}

function toDataset(row: DatasetRow): Dataset {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    format: row.format,
    source: row.source,
    status: row.status,
    error: row.error,
    createdAt: row.created_at,
    leftLabel: row.left_label,
    rightLabel: row.right_label,
    stats: row.stats ? DatasetStatsSchema.parse(JSON.parse(row.stats)) : null,
    options: JSON.parse(row.options) as Record<string, unknown>,
  }
}

export function listDatasets(db: Db): Dataset[] {
  const rows = db.prepare('SELECT * FROM datasets ORDER BY id').all() as DatasetRow[]
  return rows.map(toDataset)
}

export function getDataset(db: Db, id: number): Dataset | null {
  const row = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined
  return row ? toDataset(row) : null
}

export interface NewDataset {
  name: string
  kind: DatasetKind
  format: string
  source: string
  leftLabel: string
  rightLabel: string
  options: Record<string, unknown>
  /** The process owning the import (main, not the worker); default: this process's parent. */
  ownerPid?: number
}

/** A new dataset starts as `importing`: never visible as ready until `markReady`. */
export function createDataset(db: Db, d: NewDataset): number {
  const info = db
    .prepare(
      `INSERT INTO datasets (name, kind, format, source, status, created_at, left_label, right_label, options, owner_pid)
       VALUES (?, ?, ?, ?, 'importing', ?, ?, ?, ?, ?)`,
    )
    .run(d.name, d.kind, d.format, d.source, nowIso(), d.leftLabel, d.rightLabel, JSON.stringify(d.options), d.ownerPid ?? process.ppid)
  return Number(info.lastInsertRowid)
}

export function markReady(db: Db, id: number, stats: DatasetStats): void {
  db.prepare(`UPDATE datasets SET status = 'ready', error = NULL, stats = ?, owner_pid = NULL WHERE id = ?`).run(JSON.stringify(stats), id)
}

export function updateStats(db: Db, id: number, stats: DatasetStats): void {
  db.prepare('UPDATE datasets SET stats = ? WHERE id = ?').run(JSON.stringify(stats), id)
}

/** Mark a dataset failed and drop its partial data; the row stays so the user sees why. */
export function markFailed(db: Db, id: number, error: string): void {
  db.transaction(() => {
    db.prepare('DELETE FROM interaction_chunks WHERE dataset_id = ?').run(id)
    db.prepare('DELETE FROM entities WHERE dataset_id = ?').run(id)
    db.prepare(`UPDATE datasets SET status = 'failed', error = ?, owner_pid = NULL WHERE id = ?`).run(error, id)
  })()
}

export function deleteDataset(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes > 0
}

export function renameDataset(db: Db, id: number, name: string): boolean {
  return db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(name, id).changes > 0
}

/**
 * Datasets left `importing` by a process that has died are incomplete, never
 * ready. Imports owned by another live process (the app while the CLI runs)
 * are left alone.
 */
export function failInterruptedImports(db: Db): number[] {
  const rows = db.prepare(`SELECT id, owner_pid AS pid FROM datasets WHERE status = 'importing'`).all() as { id: number; pid: number | null }[]
  const ids = rows.filter((r) => r.pid === process.pid || !isAlive(r.pid)).map((r) => r.id)
  for (const id of ids) markFailed(db, id, 'The import was interrupted before it finished (the app or its worker stopped).')
  return ids
}

// ---------------------------------------------------------------- entities

export interface EntityRecord {
  key: string
  label: string
  frequency: number
  metadata: Record<string, string> | null
}

/** Insert a side's entities; `idx` is the position in the iterable. Call inside a transaction. */
export function insertEntities(db: Db, datasetId: number, side: Side, entities: Iterable<EntityRecord>): number {
  const stmt = db.prepare(
    'INSERT INTO entities (dataset_id, side, idx, key, label, frequency, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  const code = sideCode(side)
  let idx = 0
  for (const e of entities) {
    stmt.run(datasetId, code, idx++, e.key, e.label, e.frequency, e.metadata ? JSON.stringify(e.metadata) : null)
  }
  return idx
}

interface EntityRow {
  idx: number
  key: string
  label: string
  frequency: number
  metadata: string | null
}
const toEntity = (r: EntityRow): Entity => ({
  index: r.idx,
  key: r.key,
  label: r.label,
  frequency: r.frequency,
  metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, string>) : {},
})

export interface EntityQuery {
  datasetId: number
  side: Side
  query: string
  orderBy: 'index' | 'frequency'
  limit: number
  offset: number
}

export function queryEntities(db: Db, q: EntityQuery): { total: number; items: Entity[] } {
  const where = ['dataset_id = @datasetId', 'side = @side']
  const params: Record<string, unknown> = { datasetId: q.datasetId, side: sideCode(q.side), limit: q.limit, offset: q.offset }
  if (q.query) {
    where.push(`(instr(lower(label), @needle) > 0 OR instr(lower(key), @needle) > 0)`)
    params.needle = q.query.toLowerCase()
  }
  const clause = where.join(' AND ')
  const total = (db.prepare(`SELECT count(*) AS n FROM entities WHERE ${clause}`).get(params) as { n: number }).n
  const order = q.orderBy === 'frequency' ? 'frequency DESC, idx' : 'idx'
  const rows = db
    .prepare(`SELECT idx, key, label, frequency, metadata FROM entities WHERE ${clause} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
    .all(params) as EntityRow[]
  return { total, items: rows.map(toEntity) }
}

export function getEntity(db: Db, datasetId: number, side: Side, index: number): Entity {
  const row = db
    .prepare('SELECT idx, key, label, frequency, metadata FROM entities WHERE dataset_id = ? AND side = ? AND idx = ?')
    .get(datasetId, sideCode(side), index) as EntityRow | undefined
  if (!row) throw new Error(`No ${side} entity ${index} in dataset ${datasetId}.`)
  return toEntity(row)
}

export function readEntities(db: Db, datasetId: number, side: Side): Entity[] {
  const rows = db
    .prepare('SELECT idx, key, label, frequency, metadata FROM entities WHERE dataset_id = ? AND side = ? ORDER BY idx')
    .all(datasetId, sideCode(side)) as EntityRow[]
  return rows.map(toEntity)
}

// ---------------------------------------------------------------- interactions

export interface Interactions {
  left: Int32Array
  right: Int32Array
  value: Float32Array | null
  ts: Float64Array | null
}

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

/**
 * Accumulates interactions and writes them as chunks. Chunks are appended
 * as they fill (each write is one statement), so memory stays flat in the
 * file size.
 */
export class InteractionWriter {
  private chunk = 0
  private n = 0
  private readonly left = new Int32Array(CHUNK_SIZE)
  private readonly right = new Int32Array(CHUNK_SIZE)
  private readonly value: Float32Array | null
  private readonly ts: Float64Array | null
  private readonly insert
  total = 0

  constructor(
    private readonly db: Db,
    private readonly datasetId: number,
    columns: { value: boolean; ts: boolean },
  ) {
    this.value = columns.value ? new Float32Array(CHUNK_SIZE) : null
    this.ts = columns.ts ? new Float64Array(CHUNK_SIZE) : null
    this.insert = db.prepare(
      'INSERT INTO interaction_chunks (dataset_id, chunk, n, left_idx, right_idx, value, ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
  }

  add(left: number, right: number, value = Number.NaN, ts = Number.NaN): void {
    const i = this.n
    this.left[i] = left
    this.right[i] = right
    if (this.value) this.value[i] = value
    if (this.ts) this.ts[i] = ts
    this.total++
    if (++this.n === CHUNK_SIZE) this.flush()
  }

  flush(): void {
    if (this.n === 0) return
    const n = this.n
    this.insert.run(
      this.datasetId,
      this.chunk++,
      n,
      bytes(this.left.subarray(0, n)),
      bytes(this.right.subarray(0, n)),
      this.value ? bytes(this.value.subarray(0, n)) : null,
      this.ts ? bytes(this.ts.subarray(0, n)) : null,
    )
    this.n = 0
  }
}

interface ChunkRow {
  n: number
  left_idx: Buffer
  right_idx: Buffer
  value: Buffer | null
  ts: Buffer | null
}

/** Iterate the stored chunks in file order without materialising them all. */
export function* iterateChunks(db: Db, datasetId: number): Generator<Interactions> {
  const stmt = db.prepare('SELECT n, left_idx, right_idx, value, ts FROM interaction_chunks WHERE dataset_id = ? ORDER BY chunk')
  for (const row of stmt.iterate(datasetId) as IterableIterator<ChunkRow>) {
    yield {
      left: copyTyped(row.left_idx, Int32Array, row.n),
      right: copyTyped(row.right_idx, Int32Array, row.n),
      value: row.value ? copyTyped(row.value, Float32Array, row.n) : null,
      ts: row.ts ? copyTyped(row.ts, Float64Array, row.n) : null,
    }
  }
}

type TypedCtor<T> = { new (n: number): T; BYTES_PER_ELEMENT: number }
function copyTyped<T extends Int32Array | Float32Array | Float64Array>(buf: Buffer, Ctor: TypedCtor<T>, n: number): T {
  const out = new Ctor(n)
  new Uint8Array(out.buffer).set(buf.subarray(0, n * Ctor.BYTES_PER_ELEMENT))
  return out
}

/** All interactions of a dataset as flat arrays, in file order. */
export function readInteractions(db: Db, datasetId: number): Interactions {
  const total = (
    db.prepare('SELECT coalesce(sum(n), 0) AS n FROM interaction_chunks WHERE dataset_id = ?').get(datasetId) as { n: number }
  ).n
  const left = new Int32Array(total)
  const right = new Int32Array(total)
  let value: Float32Array | null = null
  let ts: Float64Array | null = null
  let at = 0
  for (const c of iterateChunks(db, datasetId)) {
    left.set(c.left, at)
    right.set(c.right, at)
    if (c.value) (value ??= new Float32Array(total)).set(c.value, at)
    if (c.ts) (ts ??= new Float64Array(total)).set(c.ts, at)
    at += c.left.length
  }
  return { left, right, value, ts }
}

// ---------------------------------------------------------------- meta

export function getMeta(db: Db, key: string): string | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
  return row?.value ?? null
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value)
}
