/**
 * Training runs and what they produce: metrics (written in batched
 * transactions), the last checkpoint, the final embeddings.
 */
import type { EngineChoice, EngineInfo, MetricPoint, MetricSeries, ModelParams, Run, RunStatus } from '../../shared/train'
import { Evaluation, type Evaluation as EvaluationT } from '../../shared/ratings'
import { ModelParams as ModelParamsSchema } from '../../shared/train'
import { nowIso, type Db } from './db'

interface RunRow {
  id: number
  dataset_id: number
  dataset_name: string
  name: string
  params: string
  engine_choice: EngineChoice
  threads: number
  engine: string | null
  status: RunStatus
  error: string | null
  created_at: string
  started_at: string | null
  ended_at: string | null
  duration_sec: number
  epoch: number
  step: number
  total_steps: number
  steps_per_epoch: number
  final_loss: number | null
  final_accuracy: number | null
  examples_per_sec: number | null
  job_id: string | null
  checkpoint_epoch: number | null
  evaluation: string | null
  has_embeddings: number
}

const SELECT = `
  SELECT r.*, d.name AS dataset_name, (SELECT max(epoch) FROM checkpoints c WHERE c.run_id = r.id) AS checkpoint_epoch,
    EXISTS (SELECT 1 FROM embeddings e WHERE e.run_id = r.id) AS has_embeddings
  FROM runs r JOIN datasets d ON d.id = r.dataset_id`

function toRun(r: RunRow): Run {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    name: r.name,
    params: ModelParamsSchema.parse(JSON.parse(r.params)),
    engineChoice: r.engine_choice,
    threads: r.threads,
    engine: r.engine ? (JSON.parse(r.engine) as EngineInfo) : null,
    status: r.status,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationSec: r.duration_sec,
    epoch: r.epoch,
    step: r.step,
    totalSteps: r.total_steps,
    stepsPerEpoch: r.steps_per_epoch,
    finalLoss: r.final_loss,
    finalAccuracy: r.final_accuracy,
    examplesPerSec: r.examples_per_sec,
    checkpointEpoch: r.checkpoint_epoch,
    jobId: r.job_id,
    evaluation: r.evaluation ? Evaluation.parse(JSON.parse(r.evaluation)) : null,
    hasEmbeddings: r.has_embeddings === 1,
  }
}

export function listRuns(db: Db, datasetId: number | null = null): Run[] {
  const rows = (
    datasetId === null
      ? db.prepare(`${SELECT} ORDER BY r.id DESC`).all()
      : db.prepare(`${SELECT} WHERE r.dataset_id = ? ORDER BY r.id DESC`).all(datasetId)
  ) as RunRow[]
  return rows.map(toRun)
}

export function getRun(db: Db, id: number): Run | null {
  const row = db.prepare(`${SELECT} WHERE r.id = ?`).get(id) as RunRow | undefined
  return row ? toRun(row) : null
}

export interface NewRun {
  datasetId: number
  name: string
  params: ModelParams
  engineChoice: EngineChoice
  threads: number
}

export function createRun(db: Db, r: NewRun): number {
  const info = db
    .prepare(
      `INSERT INTO runs (dataset_id, name, model, params, engine_choice, threads, seed, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
    )
    .run(r.datasetId, r.name, r.params.model, JSON.stringify(r.params), r.engineChoice, r.threads, r.params.seed, nowIso())
  return Number(info.lastInsertRowid)
}

export function deleteRun(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0
}

/** The job that runs it now (main) — before the worker starts. */
export function assignJob(db: Db, id: number, jobId: string): void {
  db.prepare(`UPDATE runs SET job_id = ?, owner_pid = ?, status = 'queued', error = NULL, ended_at = NULL WHERE id = ?`).run(jobId, process.pid, id)
}

export function markRunning(db: Db, id: number, engine: EngineInfo, stepsPerEpoch: number, totalSteps: number): void {
  db.prepare(
    `UPDATE runs SET status = 'running', engine = ?, steps_per_epoch = ?, total_steps = ?, started_at = coalesce(started_at, ?) WHERE id = ?`,
  ).run(JSON.stringify(engine), stepsPerEpoch, totalSteps, nowIso(), id)
}

/** What the run really used, once it is known (e.g. the kernel a trainer picked). */
export function setEngine(db: Db, id: number, engine: EngineInfo): void {
  db.prepare('UPDATE runs SET engine = ? WHERE id = ?').run(JSON.stringify(engine), id)
}

export interface EpochUpdate {
  epoch: number
  step: number
  durationSec: number
  loss: number
  accuracy: number | null
  examplesPerSec: number
}

export function recordEpoch(db: Db, id: number, u: EpochUpdate): void {
  db.prepare(
    `UPDATE runs SET epoch = ?, step = ?, duration_sec = ?, final_loss = ?, final_accuracy = ?, examples_per_sec = ? WHERE id = ?`,
  ).run(u.epoch, u.step, u.durationSec, u.loss, u.accuracy, u.examplesPerSec, id)
}

export function finishRun(db: Db, id: number, status: Exclude<RunStatus, 'queued' | 'running'>, error: string | null = null): void {
  db.prepare(`UPDATE runs SET status = ?, error = ?, ended_at = ?, owner_pid = NULL, job_id = NULL WHERE id = ?`).run(status, error, nowIso(), id)
}

/** Runs left running or queued by a process that died are failed (resumable from their checkpoint). */
export function failInterruptedRuns(db: Db, isAlive: (pid: number | null) => boolean): number[] {
  const rows = db.prepare(`SELECT id, owner_pid AS pid FROM runs WHERE status IN ('queued', 'running')`).all() as { id: number; pid: number | null }[]
  const ids = rows.filter((r) => r.pid === process.pid || !isAlive(r.pid)).map((r) => r.id)
  for (const id of ids) finishRun(db, id, 'failed', 'The run was interrupted (the app or its worker stopped). Resume it from its last checkpoint.')
  return ids
}

// ---------------------------------------------------------------- metrics

/** Buffers metric points and writes them in one transaction per flush. */
export class MetricWriter {
  private readonly buffer: MetricPoint[] = []
  private readonly insert

  constructor(
    private readonly db: Db,
    private readonly runId: number,
  ) {
    this.insert = db.prepare('INSERT INTO metrics (run_id, key, step, epoch, wall, value) VALUES (?, ?, ?, ?, ?, ?)')
  }

  add(p: MetricPoint): void {
    this.buffer.push(p)
  }

  get pending(): number {
    return this.buffer.length
  }

  flush(): void {
    if (this.buffer.length === 0) return
    const points = this.buffer.splice(0)
    this.db.transaction(() => {
      for (const p of points) this.insert.run(this.runId, p.key, p.step, p.epoch, p.wall, p.value)
    })()
  }
}

/** Drop metrics logged after a step (the lost part of an epoch, before a resume). */
export function truncateMetrics(db: Db, runId: number, afterStep: number): void {
  db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, afterStep)
}

export function readMetrics(db: Db, runId: number, keys: string[] | null): Record<string, MetricSeries> {
  const rows = db
    .prepare('SELECT key, step, epoch, wall, value FROM metrics WHERE run_id = ? ORDER BY key, step')
    .all(runId) as MetricPoint[]
  const out: Record<string, MetricSeries> = {}
  for (const r of rows) {
    if (keys && !keys.includes(r.key)) continue
    const s = (out[r.key] ??= { step: [], epoch: [], wall: [], value: [] })
    s.step.push(r.step)
    s.epoch.push(r.epoch)
    s.wall.push(r.wall)
    s.value.push(r.value)
  }
  return out
}

// ---------------------------------------------------------------- checkpoints and embeddings

/** Keep one checkpoint per run: the newest replaces the others. */
export function saveCheckpoint(db: Db, runId: number, epoch: number, step: number, state: Buffer): void {
  db.transaction(() => {
    db.prepare('DELETE FROM checkpoints WHERE run_id = ?').run(runId)
    db.prepare('INSERT INTO checkpoints (run_id, epoch, step, created_at, state) VALUES (?, ?, ?, ?, ?)').run(runId, epoch, step, nowIso(), state)
  })()
}

export function loadCheckpoint(db: Db, runId: number): { epoch: number; step: number; state: Buffer } | null {
  return (
    (db.prepare('SELECT epoch, step, state FROM checkpoints WHERE run_id = ? ORDER BY epoch DESC LIMIT 1').get(runId) as
      | { epoch: number; step: number; state: Buffer }
      | undefined) ?? null
  )
}

export function saveEmbedding(db: Db, runId: number, side: string, rows: number, dim: number, data: Float32Array): void {
  db.prepare('INSERT OR REPLACE INTO embeddings (run_id, side, rows, dim, data) VALUES (?, ?, ?, ?, ?)').run(
    runId,
    side,
    rows,
    dim,
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  )
}

export function loadEmbedding(db: Db, runId: number, side: string): { rows: number; dim: number; data: Float32Array } | null {
  const row = db.prepare('SELECT rows, dim, data FROM embeddings WHERE run_id = ? AND side = ?').get(runId, side) as
    | { rows: number; dim: number; data: Buffer }
    | undefined
  if (!row) return null
  const data = new Float32Array(row.rows * row.dim)
  new Uint8Array(data.buffer).set(row.data.subarray(0, data.byteLength))
  return { rows: row.rows, dim: row.dim, data }
}

// ---------------------------------------------------------------- rating runs: evaluation and fitted model

export function saveEvaluation(db: Db, runId: number, evaluation: EvaluationT | null): void {
  db.prepare('UPDATE runs SET evaluation = ? WHERE id = ?').run(evaluation ? JSON.stringify(evaluation) : null, runId)
}

export function saveRatingModel(db: Db, runId: number, kind: string, data: Buffer): void {
  db.prepare('INSERT OR REPLACE INTO rating_models (run_id, kind, data, created_at) VALUES (?, ?, ?, ?)').run(runId, kind, data, nowIso())
}

export function loadRatingModel(db: Db, runId: number): { kind: string; data: Buffer } | null {
  return (db.prepare('SELECT kind, data FROM rating_models WHERE run_id = ?').get(runId) as { kind: string; data: Buffer } | undefined) ?? null
}
