/**
 * The `export` worker task: one side of a finished run to a folder, as an
 * Embedding Projector folder, word2vec text or CSV. In order: check the
 * request → load the vectors (refusing NaN/Infinity, which no reader takes)
 * and, when a column needs them, the entities → write the files in blocks of
 * rows (progress in rows) to `.partial` names → rename them all into place.
 * The result lists the files (relative to the folder) and the warnings.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ExportRequest } from '../../shared/explore'
import type { Entity } from '../../shared/schemas'
import type { WorkerEnv } from '../jobs/protocol'
import { TaskError, type Reporter } from '../jobs/reporter'
import { openDatabase, type Db } from '../store/db'
import { getDataset, readEntities } from '../store/datasets'
import { getRun, loadEmbedding } from '../store/runs'
import { resolveColumns } from './columns'
import { writeCsv } from './csv'
import { sideMetadataColumns, sizeWarnings } from './info'
import { METADATA_TSV, TENSORS_BYTES, tensorName, writeProjector } from './projector'
import { OutputFiles } from './sink'
import type { ExportTable, WriteContext } from './table'
import { count, plural } from './table'
import { writeWord2vec } from './word2vec'

export interface ExportResult extends Record<string, unknown> {
  /** Absolute. */
  folder: string
  format: ExportRequest['format']
  /** Relative to the folder. */
  files: string[]
  warnings: string[]
  rows: number
  dim: number
  bytes: number
  seconds: number
}

export async function runExportTask(raw: unknown, env: WorkerEnv, reporter: Reporter): Promise<ExportResult> {
  const parsed = ExportRequest.safeParse(raw)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
    throw new TaskError({ code: 'invalid', message: `Invalid export parameters: ${issues}`, badRows: null })
  }
  const db = openDatabase(env.dbPath, env.nativeBinding ? { nativeBinding: env.nativeBinding } : {})
  try {
    return await exportRun(db, parsed.data, reporter)
  } finally {
    db.close()
  }
}

export async function exportRun(db: Db, req: ExportRequest, reporter: Reporter): Promise<ExportResult> {
  const t0 = performance.now()
  const invalid = (message: string) => new TaskError({ code: 'invalid', message, badRows: null })
  reporter.progress({ done: 0, total: null, unit: 'rows', message: 'Reading the embeddings' }, true)

  const run = getRun(db, req.runId)
  if (!run) throw invalid(`Run ${req.runId} does not exist.`)
  const dataset = getDataset(db, run.datasetId)
  if (!dataset) throw invalid(`The dataset of run ${req.runId} does not exist.`)
  const embedding = loadEmbedding(db, req.runId, req.side)
  if (!embedding) throw invalid(`Run ${req.runId} has no ${req.side} embeddings: export a finished run.`)
  const { rows, dim, data } = embedding
  checkFinite(data, dim)

  // word2vec writes labels only; the other formats write the requested columns.
  const requested = req.format === 'word2vec' ? [] : req.columns
  const { columns, warnings } = resolveColumns(requested, () => sideMetadataColumns(db, run.datasetId, req.side, dataset.stats?.[req.side].metadataColumns))
  let entities: Entity[] = []
  if (req.format === 'word2vec' || columns.length > 0) {
    entities = readEntities(db, run.datasetId, req.side)
    if (entities.length !== rows) {
      throw invalid(`The ${req.side} table of run ${req.runId} has ${count(rows)} rows but its dataset has ${count(entities.length)} ${req.side} entities.`)
    }
  }
  if (req.format === 'word2vec' && req.columns.some((c) => c !== 'label')) warnings.push('word2vec writes one token per vector (the label): the other columns are not written.')

  const folder = resolve(req.folder)
  try {
    mkdirSync(folder, { recursive: true })
  } catch (err) {
    throw invalid(`Cannot create the folder ${folder}: ${(err as Error).message}`)
  }

  const sideLabel = req.side === 'left' ? dataset.leftLabel : dataset.rightLabel
  const table: ExportTable = { rows, dim, data, entities, columns, name: tensorName(run.name, sideLabel) }
  const files = new OutputFiles(folder)
  const ctx: WriteContext = {
    files,
    warnings,
    progress: (done, total, message) => reporter.progress({ done, total, unit: 'rows', message }),
  }
  warnings.push(...sizeWarnings(rows, req.format === 'projector'))
  try {
    switch (req.format) {
      case 'projector':
        warnings.push(...leftovers(folder, { [TENSORS_BYTES]: req.tensorsBytes, [METADATA_TSV]: columns.length > 0 }))
        await writeProjector(table, ctx, req.tensorsBytes)
        break
      case 'word2vec':
        await writeWord2vec(table, ctx)
        break
      case 'csv':
        await writeCsv(table, ctx)
        break
    }
    files.commit()
  } catch (err) {
    files.discard()
    if (err instanceof TaskError) throw err
    throw new TaskError({ code: 'failed', message: `Writing the export to ${folder} failed: ${(err as Error).message}`, badRows: null })
  }
  reporter.progress({ done: rows, total: rows, unit: 'rows', message: `Wrote ${files.names.join(', ')}` }, true)
  return {
    folder,
    format: req.format,
    files: files.names,
    warnings,
    rows,
    dim,
    bytes: files.bytes,
    seconds: (performance.now() - t0) / 1000,
  }
}

/** Files an earlier export left in the folder that this one does not write (left alone, but said). */
function leftovers(folder: string, writes: Record<string, boolean>): string[] {
  return Object.entries(writes)
    .filter(([name, written]) => !written && existsSync(join(folder, name)))
    .map(([name]) => `The folder still holds ${name} from an earlier export; this export does not use it.`)
}

/** NaN and ±Infinity have no place in any of the formats (the projector would take "NaN" for a label). */
function checkFinite(data: Float32Array, dim: number): void {
  let bad = 0
  let first = -1
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i]!)) continue
    if (bad++ === 0) first = i
  }
  if (bad > 0) {
    throw new TaskError({
      code: 'invalid',
      message: `The embeddings hold ${plural(bad, 'value that is not a finite number', 'values that are not finite numbers')} (NaN or infinite; the first in row ${Math.floor(first / dim)}): the run diverged. Nothing was exported.`,
      badRows: null,
    })
  }
}
