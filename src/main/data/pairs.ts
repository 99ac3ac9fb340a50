/**
 * Pair lists: a CSV/TSV with a header, where the user maps the left and right
 * key columns, optionally a numeric value column (→ kind 'ratings') and a
 * timestamp column (seconds, or an ISO date converted to seconds).
 * Entities are numbered in order of first appearance on each side.
 */
import { basename } from 'node:path'
import type { ImportPreview, ImportSpec } from '../../shared/schemas'
import type { Db } from '../store/db'
import { BadRows, clip } from './badrows'
import {
  describeDelimiter,
  fieldCountMessage,
  headerOf,
  normalizeHeader,
  parseLines,
  parseNumber,
  parseTimestamp,
  readDelimited,
  requireColumn,
  resolveDelimiter,
  type RecordSink,
} from './delimited'
import { PREVIEW_ROWS, readPreviewHead, scanNote } from './head'
import { DatasetImport, type ImportResult, type ImportRun } from './importer'
import { Vocab } from './vocab'

type PairsSpec = Extract<ImportSpec, { format: 'pairs-csv' }>

interface Mapping {
  columns: string[]
  left: number
  right: number
  /** -1 when not mapped. */
  value: number
  ts: number
}

function mapColumns(header: string[], spec: PairsSpec, delimiter: string): Mapping {
  const file = spec.file.path
  const optional = (name: string | null, role: string) => (name ? requireColumn(header, name, file, role, delimiter) : -1)
  return {
    columns: header,
    left: requireColumn(header, spec.leftColumn, file, `left column (${spec.leftLabel})`, delimiter),
    right: requireColumn(header, spec.rightColumn, file, `right column (${spec.rightLabel})`, delimiter),
    value: optional(spec.valueColumn, 'value column'),
    ts: optional(spec.timestampColumn, 'timestamp column'),
  }
}

type OnRow = (left: string, right: string, value: number, ts: number, fields: string[]) => void
type OnBad = (line: number, message: string, text: string) => void

/** Header, then validated rows: the one place that knows what a good pair row is. */
class PairRows implements RecordSink {
  private mapping: Mapping | null = null

  constructor(
    private readonly spec: PairsSpec,
    private readonly delimiter: string,
    private readonly onRow: OnRow,
    readonly bad: OnBad,
  ) {}

  record(fields: string[], line: number, text: string): void {
    const m = this.mapping
    if (m === null) {
      this.mapping = mapColumns(normalizeHeader(fields), this.spec, this.delimiter)
      return
    }
    if (fields.length !== m.columns.length) return this.bad(line, fieldCountMessage(m.columns, fields.length), text)
    const left = fields[m.left]!.trim()
    if (left === '') return this.bad(line, this.emptyKey(m, m.left), text)
    const right = fields[m.right]!.trim()
    if (right === '') return this.bad(line, this.emptyKey(m, m.right), text)
    let value = Number.NaN
    if (m.value >= 0) {
      value = parseNumber(fields[m.value]!)
      if (Number.isNaN(value)) return this.bad(line, this.notA('a number', m, m.value, fields), text)
    }
    let ts = Number.NaN
    if (m.ts >= 0) {
      ts = parseTimestamp(fields[m.ts]!)
      if (Number.isNaN(ts)) return this.bad(line, this.notA('a timestamp (seconds or an ISO date)', m, m.ts, fields), text)
    }
    this.onRow(left, right, value, ts, fields)
  }

  private emptyKey(m: Mapping, column: number): string {
    return `expected a key in column "${m.columns[column]}", found an empty field`
  }

  private notA(what: string, m: Mapping, column: number, fields: string[]): string {
    return `expected ${what} in column "${m.columns[column]}", found ${JSON.stringify(clip(fields[column]!, 40))}`
  }
}

export async function importPairsCsv(db: Db, spec: PairsSpec, run: ImportRun): Promise<ImportResult> {
  const file = spec.file.path
  const head = await readPreviewHead(file)
  const delimiter = resolveDelimiter(spec.delimiter, head.lines)
  mapColumns(headerOf(head.lines, { delimiter, quote: true }, file), spec, delimiter) // fail before creating anything

  const job = await DatasetImport.start(db, run, {
    kind: spec.valueColumn ? 'ratings' : 'pairs',
    spec,
    leftLabel: spec.leftLabel,
    rightLabel: spec.rightLabel,
    columns: { value: spec.valueColumn !== null, ts: spec.timestampColumn !== null },
  })
  const left = new Vocab()
  const right = new Vocab()
  const rows = new PairRows(
    spec,
    delimiter,
    (l, r, value, ts) => {
      if (job.writing) job.add(left.add(l), right.add(r), value, ts)
    },
    (line, message, text) => job.badRow(line, message, text),
  )
  await readDelimited(file, { delimiter, quote: true, inBatch: (work) => job.transaction(work), onProgress: (b) => job.progress(b) }, rows)
  job.finish(left.entities(), right.entities(), { detectedDelimiter: delimiter })
  return { datasetId: job.datasetId }
}

const VALUE_NAMES = /^(rating|value|score|weight|count|stars?)$/i
const TIME_NAMES = /^(timestamp|time|date|datetime|ts|created_at|unix_?time)$/i

export async function previewPairsCsv(spec: PairsSpec): Promise<ImportPreview> {
  const file = spec.file.path
  const head = await readPreviewHead(file)
  const delimiter = resolveDelimiter(spec.delimiter, head.lines)
  const header = headerOf(head.lines, { delimiter, quote: true }, file)
  const badRows = new BadRows(file)
  const rows: string[][] = []
  let dataRows = 0
  const sink = new PairRows(
    spec,
    delimiter,
    (_l, _r, _v, _t, fields) => {
      dataRows++
      if (rows.length < PREVIEW_ROWS) rows.push(fields)
    },
    (line, message, text) => {
      dataRows++
      badRows.add(line, message, text)
    },
  )
  parseLines(head.lines, { delimiter, quote: true }, sink, head.complete)

  const suggested: Record<string, string> = {}
  if (header[0] !== undefined) suggested.leftColumn = suggested.leftLabel = header[0]
  if (header[1] !== undefined) suggested.rightColumn = suggested.rightLabel = header[1]
  const value = header.find((h) => VALUE_NAMES.test(h))
  const time = header.find((h) => TIME_NAMES.test(h))
  if (value) suggested.valueColumn = value
  if (time) suggested.timestampColumn = time
  return {
    format: spec.format,
    columns: header,
    rows,
    delimiter,
    variant: null,
    badRows: badRows.report(),
    suggested,
    notes: [
      scanNote(head, rows.length, dataRows),
      `Delimiter: ${describeDelimiter(delimiter)}${spec.delimiter === 'auto' ? ' (detected)' : ''}.`,
      `${basename(file)}: ${header.length} columns; each row becomes one ${spec.leftLabel} → ${spec.rightLabel} interaction.`,
    ],
  }
}
