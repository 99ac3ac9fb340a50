/**
 * The pipeline every dataset-creating import shares:
 *
 *   start   createDataset (status 'importing') and report its id at once
 *           (reporter.track) so the owner can clean up if the worker dies;
 *   stream  the importer parses its file and calls add() for each row, each
 *           batch of lines in one transaction; progress in bytes;
 *   bad     rows go to badRow(): under 'abort' the first one stops all
 *           writing, but parsing continues to count every bad row, and
 *           checkBadRows() then throws a bad_rows TaskError;
 *   finish  flush, entities of both sides, stats, options and 'ready' in ONE
 *           transaction.
 */
import { basename } from 'node:path'
import type { BadRowPolicy, DatasetKind, DatasetStats, ImportSpec } from '../../shared/schemas'
import type { Reporter } from '../jobs/reporter'
import type { Db } from '../store/db'
import { createDataset, insertEntities, InteractionWriter, markReady, type EntityRecord } from '../store/datasets'
import { BadRows } from './badrows'
import { fileSize } from './lines'
import { computeStats } from './stats'

/** How an import runs, beyond its spec. */
export interface ImportRun {
  reporter: Reporter
  policy: BadRowPolicy
  /** Dataset name; null → the file's base name. */
  name: string | null
  /** Stored in the dataset options too (e.g. a sample's planted parameters). */
  extraOptions?: Record<string, unknown>
  /** Dataset `source`; default the file path. */
  source?: string
}

export interface ImportSetup {
  kind: DatasetKind
  spec: Exclude<ImportSpec, { format: 'metadata' }>
  leftLabel: string
  rightLabel: string
  columns: { value: boolean; ts: boolean }
}

export interface ImportResult extends Record<string, unknown> {
  datasetId: number
}

/** Replace a dataset's options (the import records what it found once it has read the file). */
export function setDatasetOptions(db: Db, datasetId: number, options: Record<string, unknown>): void {
  db.prepare('UPDATE datasets SET options = ? WHERE id = ?').run(JSON.stringify(options), datasetId)
}

const rowsFmt = new Intl.NumberFormat('en-US')

export class DatasetImport {
  readonly badRows: BadRows
  private readonly writer: InteractionWriter
  private stopped = false
  private readonly options: Record<string, unknown>

  private constructor(
    private readonly db: Db,
    private readonly run: ImportRun,
    readonly datasetId: number,
    readonly file: string,
    readonly fileSize: number,
    columns: ImportSetup['columns'],
    options: Record<string, unknown>,
  ) {
    this.badRows = new BadRows(file)
    this.writer = new InteractionWriter(db, datasetId, columns)
    this.options = options
  }

  static async start(db: Db, run: ImportRun, setup: ImportSetup): Promise<DatasetImport> {
    const file = setup.spec.file.path
    const size = await fileSize(file)
    const options: Record<string, unknown> = { ...setup.spec, badRowPolicy: run.policy, ...run.extraOptions }
    const id = createDataset(db, {
      name: run.name?.trim() || basename(file),
      kind: setup.kind,
      format: setup.spec.format,
      source: run.source ?? file,
      leftLabel: setup.leftLabel,
      rightLabel: setup.rightLabel,
      options,
    })
    const job = new DatasetImport(db, run, id, file, size, setup.columns, options)
    run.reporter.track('datasetId', id, { done: 0, total: size, unit: 'bytes', message: `Reading ${basename(file)}` })
    return job
  }

  /** False once a bad row was found under 'abort': rows are then parsed but not written. */
  get writing(): boolean {
    return !this.stopped
  }

  get rows(): number {
    return this.writer.total
  }

  add(left: number, right: number, value?: number, ts?: number): void {
    this.writer.add(left, right, value, ts)
  }

  badRow(line: number, message: string, text: string): void {
    this.badRows.add(line, message, text)
    if (this.run.policy === 'abort') this.stopped = true
  }

  /** Run one batch of work in a transaction. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)()
  }

  /** Progress in bytes; `done` may exceed the file size for multi-pass imports (pass total given). */
  progress(done: number, message?: string, total = this.fileSize): void {
    this.run.reporter.progress({
      done,
      total,
      unit: 'bytes',
      message: message ?? `Reading ${basename(this.file)}: ${rowsFmt.format(this.rows)} rows`,
    })
  }

  /** Under 'abort', end the import with every bad row counted. */
  checkBadRows(): void {
    if (this.run.policy === 'abort' && this.badRows.total > 0) throw this.badRows.toError()
  }

  /**
   * Flush the rows, insert both sides' entities, compute the stats and mark
   * the dataset ready, all in one transaction. `found` is merged into the
   * options (cleaning counts, bad-row report, ...); `otherSkipped` counts rows
   * skipped in another file of the import (a MovieLens items file).
   */
  finish(
    left: Iterable<EntityRecord>,
    right: Iterable<EntityRecord>,
    found: Record<string, unknown> = {},
    otherSkipped = 0,
  ): DatasetStats {
    this.checkBadRows()
    if (this.writer.total === 0) {
      throw new Error(`${basename(this.file)} has no usable rows${this.badRows.total ? ` (${this.badRows.summary()})` : ''}.`)
    }
    this.run.reporter.progress({ done: this.fileSize, total: this.fileSize, unit: 'bytes', message: 'Computing statistics' }, true)
    return this.transaction(() => {
      this.writer.flush()
      insertEntities(this.db, this.datasetId, 'left', left)
      insertEntities(this.db, this.datasetId, 'right', right)
      const stats = computeStats(this.db, this.datasetId, { skippedRows: this.badRows.total + otherSkipped })
      setDatasetOptions(this.db, this.datasetId, { ...this.options, ...found, badRows: this.badRows.report() })
      markReady(this.db, this.datasetId, stats)
      return stats
    })
  }
}
