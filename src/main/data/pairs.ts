/**
 * Pair lists: a CSV/TSV with a header, where the user maps the left and right
 * key columns, optionally a numeric value column (→ kind 'ratings') and a
 * timestamp column (seconds, or an ISO date converted to seconds).
 * Entities are numbered in order of first appearance on each side.
 */
import { basename } from 'node:path'
import type { ImportPreview, ImportSpec } from '../../shared/schemas'
import type { Db } from '../store/db'
import { describeDelimiter, headerOf, parseLines, readDelimited, requireColumn, resolveDelimiter } from './delimited'
import { PreviewRows, readPreviewHead } from './head'
import { DatasetImport, type ImportResult, type ImportRun } from './importer'
import { InteractionRows, type InteractionColumns, type OnBad, type OnRow } from './rows'
import { Vocab } from './vocab'

type PairsSpec = Extract<ImportSpec, { format: 'pairs-csv' }>

function mapColumns(header: string[], spec: PairsSpec, delimiter: string): InteractionColumns {
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

/** The file's head, its delimiter and its header, checked against the mapping. */
async function openPairs(spec: PairsSpec) {
  const file = spec.file.path
  const head = await readPreviewHead(file)
  const delimiter = resolveDelimiter(spec.delimiter, head.lines)
  const header = headerOf(head.lines, { delimiter, quote: true }, file)
  mapColumns(header, spec, delimiter)
  const rows = (onRow: OnRow, onBad: OnBad) =>
    new InteractionRows({ fromHeader: (h) => mapColumns(h, spec, delimiter) }, delimiter, onRow, onBad)
  return { head, delimiter, header, rows }
}

export async function importPairsCsv(db: Db, spec: PairsSpec, run: ImportRun): Promise<ImportResult> {
  const { delimiter, rows } = await openPairs(spec) // fails before creating anything
  const job = await DatasetImport.start(db, run, {
    kind: spec.valueColumn ? 'ratings' : 'pairs',
    spec,
    leftLabel: spec.leftLabel,
    rightLabel: spec.rightLabel,
    columns: { value: spec.valueColumn !== null, ts: spec.timestampColumn !== null },
  })
  const left = new Vocab()
  const right = new Vocab()
  const sink = rows(
    (l, r, value, ts) => {
      if (job.writing) job.add(left.addSpan(l), right.addSpan(r), value, ts)
    },
    (line, message, text) => job.badRow(line, message, text),
  )
  await readDelimited(
    spec.file.path,
    { delimiter, quote: true, inBatch: (work) => job.transaction(work), onProgress: (bytes) => job.progress(bytes) },
    sink,
  )
  job.finish(left.entities(), right.entities(), { detectedDelimiter: delimiter })
  return { datasetId: job.datasetId }
}

const VALUE_NAMES = /^(rating|value|score|weight|count|stars?)$/i
const TIME_NAMES = /^(timestamp|time|date|datetime|ts|created_at|unix_?time)$/i

export async function previewPairsCsv(spec: PairsSpec): Promise<ImportPreview> {
  const { head, delimiter, header, rows: sinkFor } = await openPairs(spec)
  const preview = new PreviewRows(spec.file.path)
  parseLines(head.lines, { delimiter, quote: true }, preview.around(sinkFor(preview.accept, preview.reject)), head.complete)

  const suggested: Record<string, string> = {}
  if (header[0] !== undefined) suggested.leftColumn = suggested.leftLabel = header[0]
  if (header[1] !== undefined) suggested.rightColumn = suggested.rightLabel = header[1]
  const value = header.find((h) => VALUE_NAMES.test(h))
  const time = header.find((h) => TIME_NAMES.test(h))
  if (value) suggested.valueColumn = value
  if (time) suggested.timestampColumn = time
  return preview.result(head, {
    format: spec.format,
    columns: header,
    delimiter,
    variant: null,
    suggested,
    notes: [
      `Delimiter: ${describeDelimiter(delimiter)}${spec.delimiter === 'auto' ? ' (detected)' : ''}.`,
      `${basename(spec.file.path)} has ${header.length} columns; each row becomes one ${spec.leftLabel} → ${spec.rightLabel} interaction.`,
    ],
  })
}
