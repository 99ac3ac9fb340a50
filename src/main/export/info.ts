/**
 * What the export dialog shows before an export: the table's size, the
 * columns that can be written, warnings, a default folder. Cheap: it reads
 * the run and dataset records (the embedding's shape is the side's entity
 * count × the run's dim), not the vectors or the entities.
 */
import { join } from 'node:path'
import { PROJECTOR_MAX_POINTS } from '../../shared/explore'
import type { Side } from '../../shared/schemas'
import { metadataColumns } from '../data/stats'
import type { Db } from '../store/db'
import { getDataset } from '../store/datasets'
import { getRun, loadEmbedding } from '../store/runs'
import { availableColumns, hiddenColumnWarning } from './columns'
import { count } from './table'

export interface ExportInfo {
  rows: number
  dim: number
  /** label, key, frequency, then the side's metadata columns in order of first appearance. */
  columns: string[]
  warnings: string[]
  defaultFolder: string
}

export function exportInfo(db: Db, runId: number, side: Side, dataDir: string): ExportInfo {
  const run = getRun(db, runId)
  if (!run) throw new Error(`Run ${runId} does not exist.`)
  const dataset = getDataset(db, run.datasetId)
  const stats = dataset?.stats?.[side]
  let rows = stats?.count
  let dim: number | undefined = 'dim' in run.params ? run.params.dim : undefined
  if (rows === undefined || dim === undefined) {
    const embedding = loadEmbedding(db, runId, side)
    if (!embedding) throw new Error(`Run ${runId} has no ${side} embeddings.`)
    ;({ rows, dim } = embedding)
  }
  const { columns, hidden } = availableColumns(sideMetadataColumns(db, run.datasetId, side, stats?.metadataColumns))
  return {
    rows,
    dim,
    columns,
    warnings: [...sizeWarnings(rows), ...hiddenColumnWarning(hidden)],
    defaultFolder: join(dataDir, 'exports', `run-${runId}-${side}`),
  }
}

/** The side's metadata columns: from the dataset's stats when it has them, else by reading the entities. */
export function sideMetadataColumns(db: Db, datasetId: number, side: Side, fromStats?: string[]): string[] {
  return fromStats ?? metadataColumns(db, datasetId, side)
}

/** Warnings about the table's size, for every format; `projector` adds the projector's limit. */
export function sizeWarnings(rows: number, projector = true): string[] {
  const warnings: string[] = []
  if (rows === 0) warnings.push('The table has no rows: the files will hold no vectors.')
  if (projector && rows > PROJECTOR_MAX_POINTS) warnings.push(projectorLimitWarning(rows))
  return warnings
}

export function projectorLimitWarning(rows: number): string {
  const max = count(PROJECTOR_MAX_POINTS)
  return `${count(rows)} points: the Embedding Projector shows at most ${max} (TensorBoard loads only the first ${max} rows). Word2vec and CSV exports keep every row.`
}
