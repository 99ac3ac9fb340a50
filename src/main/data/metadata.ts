/**
 * Metadata tables (CSV/TSV with a header) joined to the entities of one side
 * of a ready dataset by a key column. The chosen columns (default: all but
 * the key) are merged into each matched entity's metadata; `labelColumn`, if
 * given, replaces its label. Rows with the wrong number of fields, an empty
 * key or a key already seen in the file are bad rows; keys matching no entity
 * are counted. The file is read first and everything is written in ONE
 * transaction at the end: all or nothing.
 */
import { basename } from 'node:path'
import type { ImportPreview, ImportSpec } from '../../shared/schemas'
import type { Reporter } from '../jobs/reporter'
import type { Db } from '../store/db'
import { getDataset, sideCode } from '../store/datasets'
import { BadRows } from './badrows'
import {
  describeDelimiter,
  fieldCountMessage,
  headerOf,
  normalizeHeader,
  parseLines,
  readDelimited,
  requireColumn,
  resolveDelimiter,
  type RecordSink,
} from './delimited'
import { PreviewRows, readPreviewHead } from './head'
import { setDatasetOptions } from './importer'
import { fileSize } from './lines'
import type { OnBad } from './rows'
import { refreshEntityStats } from './stats'

type MetadataSpec = Extract<ImportSpec, { format: 'metadata' }>

interface Join {
  header: string[]
  key: number
  /** [column index, name] of the merged columns. */
  columns: [number, string][]
  label: number
}

function planJoin(header: string[], spec: MetadataSpec, delimiter: string): Join {
  const file = spec.file.path
  const key = requireColumn(header, spec.keyColumn, file, 'key column', delimiter)
  const names = spec.columns ?? header.filter((_, i) => i !== key)
  return {
    header,
    key,
    columns: names.map((name) => [requireColumn(header, name, file, 'metadata column', delimiter), name]),
    label: spec.labelColumn ? requireColumn(header, spec.labelColumn, file, 'label column', delimiter) : -1,
  }
}

type OnEntry = (key: string, fields: string[], line: number) => void

/** Header, then rows with a unique, non-empty key and the header's field count. */
class MetadataRows implements RecordSink {
  private join: Join | null = null
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly plan: (header: string[]) => Join,
    private readonly onEntry: OnEntry,
    readonly bad: OnBad,
  ) {}

  record(fields: string[], line: number, text: string): void {
    const j = this.join
    if (j === null) {
      this.join = this.plan(normalizeHeader(fields))
      return
    }
    if (fields.length !== j.header.length) return this.bad(line, fieldCountMessage(j.header, fields.length), text)
    const key = fields[j.key]!.trim()
    if (key === '') return this.bad(line, `expected a key in column "${j.header[j.key]}", found an empty field`, text)
    const before = this.seen.get(key)
    if (before !== undefined) return this.bad(line, `expected a unique key, found "${key}" of line ${before} again`, text)
    this.seen.set(key, line)
    this.onEntry(key, fields, line)
  }
}

async function openTable(spec: MetadataSpec) {
  const head = await readPreviewHead(spec.file.path)
  const delimiter = resolveDelimiter(spec.delimiter, head.lines)
  const header = headerOf(head.lines, { delimiter, quote: true }, spec.file.path)
  const join = planJoin(header, spec, delimiter)
  return { head, delimiter, header, join }
}

export interface MetadataResult extends Record<string, unknown> {
  datasetId: number
  matched: number
  unmatched: number
  skippedRows: number
  /** Up to 10 keys of the file that match no entity. */
  unmatchedExamples: string[]
}

interface Update {
  fields: Record<string, string>
  label: string | null
}

export async function importMetadata(
  db: Db,
  spec: MetadataSpec,
  run: { reporter: Reporter; policy: 'abort' | 'skip' },
): Promise<MetadataResult> {
  const file = spec.file.path
  const dataset = getDataset(db, spec.datasetId)
  if (!dataset) throw new Error(`Dataset ${spec.datasetId} does not exist.`)
  if (dataset.status !== 'ready') throw new Error(`Dataset ${spec.datasetId} is ${dataset.status}; metadata can only be joined to a ready dataset.`)
  const size = await fileSize(file)
  const { delimiter, join } = await openTable(spec)
  const sideName = spec.side === 'left' ? dataset.leftLabel : dataset.rightLabel

  const indexOf = new Map<string, number>()
  const keys = db.prepare('SELECT key, idx FROM entities WHERE dataset_id = ? AND side = ?').raw()
  for (const [key, idx] of keys.iterate(spec.datasetId, sideCode(spec.side)) as IterableIterator<[string, number]>) indexOf.set(key, idx)

  const bad = new BadRows(file)
  const updates = new Map<number, Update>()
  const unmatchedExamples: string[] = []
  let unmatched = 0
  const sink = new MetadataRows(
    (header) => planJoin(header, spec, delimiter),
    (key, fields) => {
      const idx = indexOf.get(key)
      if (idx === undefined) {
        unmatched++
        if (unmatchedExamples.length < 10) unmatchedExamples.push(key)
        return
      }
      const values: Record<string, string> = {}
      for (const [c, name] of join.columns) values[name] = fields[c]!.trim()
      const label = join.label >= 0 ? fields[join.label]!.trim() : ''
      updates.set(idx, { fields: values, label: label === '' ? null : label })
    },
    (line, message, text) => bad.add(line, message, text),
  )
  const name = basename(file)
  await readDelimited(
    file,
    {
      delimiter,
      quote: true,
      onProgress: (bytes) => run.reporter.progress({ done: bytes, total: size, unit: 'bytes', message: `Reading ${name}` }),
    },
    sink,
  )
  if (run.policy === 'abort' && bad.total > 0) throw bad.toError()
  if (updates.size === 0) {
    const some = [...indexOf.keys()].slice(0, 3).map((k) => `"${k}"`).join(', ')
    throw new Error(
      `None of the ${unmatched.toLocaleString('en-US')} keys in column "${spec.keyColumn}" of ${name} matches a key of the ${sideName} ` +
        `of dataset "${dataset.name}" (e.g. ${unmatchedExamples.slice(0, 3).map((k) => `"${k}"`).join(', ') || 'none'} vs ${some || 'no entities'}).`,
    )
  }

  run.reporter.progress({ done: size, total: size, unit: 'bytes', message: `Merging metadata into ${updates.size.toLocaleString('en-US')} ${sideName}` }, true)
  db.transaction(() => {
    const read = db.prepare('SELECT metadata, label FROM entities WHERE dataset_id = ? AND side = ? AND idx = ?')
    const write = db.prepare('UPDATE entities SET metadata = ?, label = ? WHERE dataset_id = ? AND side = ? AND idx = ?')
    const side = sideCode(spec.side)
    for (const [idx, u] of updates) {
      const row = read.get(spec.datasetId, side, idx) as { metadata: string | null; label: string }
      const merged = { ...(row.metadata ? (JSON.parse(row.metadata) as Record<string, string>) : {}), ...u.fields }
      write.run(JSON.stringify(merged), u.label ?? row.label, spec.datasetId, side, idx)
    }
    const record = {
      file,
      side: spec.side,
      keyColumn: spec.keyColumn,
      columns: join.columns.map(([, n]) => n),
      labelColumn: spec.labelColumn,
      matched: updates.size,
      unmatched,
      badRows: bad.report(),
      at: new Date().toISOString(),
    }
    const previous = Array.isArray(dataset.options.metadataImports) ? dataset.options.metadataImports : []
    setDatasetOptions(db, spec.datasetId, { ...dataset.options, metadataImports: [...previous, record] })
    refreshEntityStats(db, spec.datasetId)
  })()
  return { datasetId: spec.datasetId, matched: updates.size, unmatched, skippedRows: bad.total, unmatchedExamples }
}

const LABEL_NAMES = /^(title|name|label)$/i

export async function previewMetadata(spec: MetadataSpec): Promise<ImportPreview> {
  const { head, delimiter, header, join } = await openTable(spec)
  const preview = new PreviewRows(spec.file.path)
  parseLines(head.lines, { delimiter, quote: true }, preview.around(new MetadataRows(() => join, preview.accept, preview.reject)), head.complete)
  const suggested: Record<string, string> = {}
  if (header[0] !== undefined) suggested.keyColumn = header[0]
  const label = header.find((h) => LABEL_NAMES.test(h))
  if (label) suggested.labelColumn = label
  return preview.result(head, {
    format: spec.format,
    columns: header,
    delimiter,
    variant: null,
    suggested,
    notes: [
      `Delimiter: ${describeDelimiter(delimiter)}${spec.delimiter === 'auto' ? ' (detected)' : ''}.`,
      `Joins on "${spec.keyColumn}" and merges ${join.columns.length} column${join.columns.length === 1 ? '' : 's'} (${join.columns.map(([, n]) => n).join(', ')}) into the ${spec.side} side's metadata${spec.labelColumn ? `; "${spec.labelColumn}" becomes the label` : ''}.`,
    ],
  })
}
