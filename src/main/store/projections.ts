/**
 * Maps of a run's embeddings (projections): the layout as one float32 BLOB
 * (rows × dims, row-major, little-endian as the platform writes it), the
 * parameters that made it as JSON. Deleted with their run (ON DELETE CASCADE).
 */
import type { Side } from '../../shared/schemas'
import { ProjectionParams as ProjectionParamsSchema, type Projection, type ProjectionData, type ProjectionMethod, type ProjectionParams } from '../../shared/explore'
import { nowIso, type Db } from './db'

interface ProjectionRow {
  id: number
  run_id: number
  side: Side
  method: ProjectionMethod
  params: string
  dims: number
  rows: number
  seconds: number
  created_at: string
}

const COLUMNS = 'id, run_id, side, method, params, dims, rows, seconds, created_at'

function toProjection(r: ProjectionRow): Projection {
  return {
    id: r.id,
    runId: r.run_id,
    side: r.side,
    method: r.method,
    params: ProjectionParamsSchema.parse(JSON.parse(r.params)),
    dims: r.dims,
    rows: r.rows,
    createdAt: r.created_at,
    seconds: r.seconds,
  }
}

export interface NewProjection {
  runId: number
  side: Side
  method: ProjectionMethod
  params: ProjectionParams
  dims: number
  rows: number
  /** rows × dims, row-major. */
  coords: Float32Array
  seconds: number
}

export function saveProjection(db: Db, p: NewProjection): number {
  if (p.coords.length !== p.rows * p.dims) throw new Error(`projection coords hold ${p.coords.length} values, not ${p.rows} × ${p.dims}`)
  const info = db
    .prepare('INSERT INTO projections (run_id, side, method, params, dims, rows, coords, seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(p.runId, p.side, p.method, JSON.stringify(p.params), p.dims, p.rows, Buffer.from(p.coords.buffer, p.coords.byteOffset, p.coords.byteLength), p.seconds, nowIso())
  return Number(info.lastInsertRowid)
}

/** A run's projections, newest first, without their coordinates. */
export function listProjections(db: Db, runId: number): Projection[] {
  const rows = db.prepare(`SELECT ${COLUMNS} FROM projections WHERE run_id = ? ORDER BY id DESC`).all(runId) as ProjectionRow[]
  return rows.map(toProjection)
}

export function getProjectionData(db: Db, id: number): ProjectionData | null {
  const row = db.prepare(`SELECT ${COLUMNS}, coords FROM projections WHERE id = ?`).get(id) as (ProjectionRow & { coords: Buffer }) | undefined
  if (!row) return null
  // Copy out of the Buffer: its offset in Node's pool need not be 4-byte aligned.
  const coords = new Float32Array(row.rows * row.dims)
  new Uint8Array(coords.buffer).set(row.coords.subarray(0, coords.byteLength))
  return { projection: toProjection(row), coords: Array.from(coords) }
}

export function deleteProjection(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM projections WHERE id = ?').run(id).changes > 0
}
