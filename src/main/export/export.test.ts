import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { parse as parseCsv } from 'csv-parse/sync'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { PROJECTOR_MAX_POINTS } from '../../shared/explore'
import type { DatasetStats, Side } from '../../shared/schemas'
import { PairModelParams } from '../../shared/train'
import type { WorkerMessage } from '../jobs/protocol'
import { Reporter, TaskError } from '../jobs/reporter'
import { createDataset, insertEntities, markReady, type EntityRecord } from '../store/datasets'
import { openDatabase, type Db } from '../store/db'
import { createRun, saveEmbedding } from '../store/runs'
import { exportInfo } from './info'
import { csvField } from './csv'
import { PLACEHOLDER, projectorCell, tensorName } from './projector'
import { loadProjectorConfig, parseMetadataTsv, parseProjectorPbtxt, parseTensorsTsv, readProjectorFolder } from './projector-parse'
import { runExportTask, type ExportResult } from './task'
import { UniqueTokens, word2vecToken } from './word2vec'

let tmp: ReturnType<typeof tempDir>
let db: Db
let dbPath: string
beforeEach(() => {
  tmp = tempDir()
  dbPath = join(tmp.dir, 'w.sqlite')
  db = openDatabase(dbPath)
})
afterEach(() => {
  db.close()
  tmp.cleanup()
})

// ---------------------------------------------------------------- fixtures

/** Labels the formats must survive. */
const TRICKY: [label: string, projector: string][] = [
  ['plain', 'plain'],
  ['tab\there', 'tab here'],
  ['line\nbreak', 'line break'],
  ['windows\r\nbreak', 'windows break'],
  ['old mac\rbreak', 'old mac break'],
  ['say "hi", ok', 'say "hi", ok'],
  ['', PLACEHOLDER],
  ['   ', PLACEHOLDER],
  ['\t\n', PLACEHOLDER],
  ['trailing\t', 'trailing '],
  ['\tleading', ' leading'],
  ['ünïcødé 📚', 'ünïcødé 📚'],
  ['a  b', 'a  b'],
  ['dup', 'dup'],
  ['dup', 'dup'],
  ['dup_2', 'dup_2'],
]

/** Seeded vectors that stress the number format: typical values, -0, subnormals, extremes. */
function vectors(rows: number, dim: number, seed = 1): Float32Array {
  const data = new Float32Array(rows * dim)
  let s = seed
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
  for (let i = 0; i < data.length; i++) data[i] = (next() - 0.5) * 0.1
  const special = [-0, 1e-40, -1.4e-45, 3.4028234663852886e38, -1.1754943508222875e-38, 1e-7, 123456789, 0.1]
  special.forEach((v, i) => {
    if (i < data.length) data[i] = v
  })
  return data
}

interface Fixture {
  runId: number
  datasetId: number
  entities: EntityRecord[]
  data: Float32Array
  rows: number
  dim: number
}

function fixture(opts: { entities: EntityRecord[]; dim: number; side?: Side; ready?: boolean; runName?: string }): Fixture {
  const side = opts.side ?? 'left'
  const rows = opts.entities.length
  const datasetId = createDataset(db, {
    name: 'books',
    kind: 'pairs',
    format: 'pairs-csv',
    source: '/books.csv',
    leftLabel: 'books',
    rightLabel: 'links',
    options: {},
    ownerPid: process.pid,
  })
  db.transaction(() => insertEntities(db, datasetId, side, opts.entities))()
  if (opts.ready) markReady(db, datasetId, stats(side, rows, opts.entities))
  const runId = createRun(db, {
    datasetId,
    name: opts.runName ?? 'Books: 5 epochs',
    params: PairModelParams.parse({ model: 'entity-pairs', dim: opts.dim }),
    engineChoice: 'auto',
    threads: 1,
  })
  const data = vectors(rows, opts.dim)
  saveEmbedding(db, runId, side, rows, opts.dim, data)
  return { runId, datasetId, entities: opts.entities, data, rows, dim: opts.dim }
}

function stats(side: Side, rows: number, entities: EntityRecord[]): DatasetStats {
  const columns = [...new Set(entities.flatMap((e) => Object.keys(e.metadata ?? {})))]
  const sideStats = (count: number, metadataColumns: string[]) => ({
    label: 'x',
    count,
    degree: { min: 0, max: 0, mean: 0, median: 0, histogram: [] },
    metadataColumns,
  })
  return {
    interactions: 0,
    distinctPairs: 0,
    density: 0,
    left: side === 'left' ? sideStats(rows, columns) : sideStats(0, []),
    right: side === 'right' ? sideStats(rows, columns) : sideStats(0, []),
    topRight: [],
    topLeft: [],
    values: null,
    skippedRows: 0,
  }
}

const entity = (label: string, i: number, metadata: Record<string, string> | null = null): EntityRecord => ({
  key: `k${i}`,
  label,
  frequency: 100 - i,
  metadata,
})
const trickyEntities = (): EntityRecord[] =>
  TRICKY.map(([label], i) => entity(label, i, i % 3 === 0 ? { genre: i === 0 ? '' : `g\t${i}`, year: String(1900 + i) } : i % 3 === 1 ? { genre: 'sf' } : null))

async function runExport(req: Record<string, unknown>): Promise<{ result: ExportResult; messages: WorkerMessage[] }> {
  const messages: WorkerMessage[] = []
  const reporter = new Reporter((m) => messages.push(m), 0)
  const result = await runExportTask(req, { dbPath, nativeBinding: null }, reporter)
  return { result, messages }
}

async function exportError(req: Record<string, unknown>): Promise<TaskError> {
  try {
    await runExport(req)
  } catch (err) {
    if (err instanceof TaskError) return err
    throw err
  }
  throw new Error('the export did not fail')
}

/** Bit-for-bit equality of float32 arrays (-0 included). */
const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

// ---------------------------------------------------------------- projector

describe('projector export', () => {
  it('writes a folder the projector reads back: exact float32 vectors, sanitised labels, no header for one column', async () => {
    const f = fixture({ entities: trickyEntities(), dim: 5 })
    const folder = join(tmp.dir, 'out')
    const { result } = await runExport({ runId: f.runId, side: 'left', folder })

    expect(result.folder).toBe(folder)
    expect(result.files).toEqual(['tensors.tsv', 'metadata.tsv', 'projector_config.json', 'projector_config.pbtxt'])
    expect(readdirSync(folder).sort()).toEqual([...result.files].sort()) // nothing .partial left
    expect(result.rows).toBe(f.rows)

    const { config, embeddings } = await readProjectorFolder(folder) // the pbtxt is checked against the JSON
    expect(config.embeddings).toEqual([{ tensorName: 'Books_ 5 epochs (books)', tensorShape: [f.rows, f.dim], tensorPath: 'tensors.tsv', metadataPath: 'metadata.tsv' }])
    const [e] = embeddings
    expect(e!.tensorShape).toEqual([f.rows, f.dim])
    expect(sameBits(e!.tensors.data, f.data)).toBe(true)
    expect(e!.tensors.labels).toBeNull()
    expect(e!.metadata!.header).toBeNull()
    expect(e!.metadata!.blankLines).toBe(0)
    expect(e!.metadata!.rows.map((r) => r[0])).toEqual(TRICKY.map(([, shown]) => shown))

    // The pbtxt says the same, for TensorBoard.
    const pbtxt = parseProjectorPbtxt(readFileSync(join(folder, 'projector_config.pbtxt'), 'utf8'))
    expect(pbtxt.embeddings).toEqual(config.embeddings)
    expect(result.warnings).toContain(`3 empty or missing metadata values were written as “${PLACEHOLDER}” (the projector skips blank lines).`)
    expect(result.warnings).toContain('6 metadata values had tabs or line breaks, replaced by spaces.')
  })

  it('writes a header row with two or more columns, and a placeholder for every empty or missing value', async () => {
    const f = fixture({ entities: trickyEntities(), dim: 3, ready: true })
    const folder = join(tmp.dir, 'out')
    const columns = ['label', 'key', 'frequency', 'genre', 'year']
    await runExport({ runId: f.runId, side: 'left', folder, columns })
    const m = parseMetadataTsv(readFileSync(join(folder, 'metadata.tsv')))
    expect(m.header).toEqual(m.columns)
    expect(m.columns).toEqual(columns)
    expect(m.rows).toHaveLength(f.rows)
    expect(m.rows.flat().every((v) => v !== null && v.trim() !== '')).toBe(true) // no empty cells
    f.entities.forEach((ent, i) => {
      const expected = [projectorCell(ent.label), ent.key, String(ent.frequency), projectorCell(ent.metadata?.genre), projectorCell(ent.metadata?.year)]
      expect(m.rows[i]).toEqual(expected)
    })
    expect(m.rows[0]!.slice(3)).toEqual([PLACEHOLDER, '1900']) // genre '' → placeholder
    expect(m.rows[3]!.slice(3)).toEqual(['g 3', '1903']) // tab → space
    expect(m.rows[2]!.slice(3)).toEqual([PLACEHOLDER, PLACEHOLDER]) // no metadata at all
  })

  it('a single non-label column has no header either', async () => {
    const f = fixture({ entities: trickyEntities(), dim: 2 })
    const folder = join(tmp.dir, 'out')
    await runExport({ runId: f.runId, side: 'left', folder, columns: ['key'] })
    const m = parseMetadataTsv(readFileSync(join(folder, 'metadata.tsv')))
    expect(m.header).toBeNull()
    expect(m.rows.map((r) => r[0])).toEqual(f.entities.map((e) => e.key))
  })

  it('writes no metadata.tsv and no metadataPath without columns', async () => {
    const f = fixture({ entities: trickyEntities(), dim: 4 })
    const folder = join(tmp.dir, 'out')
    const { result } = await runExport({ runId: f.runId, side: 'left', folder, columns: [] })
    expect(result.files).toEqual(['tensors.tsv', 'projector_config.json', 'projector_config.pbtxt'])
    const { config, embeddings } = loadProjectorConfig(join(folder, 'projector_config.json'))
    expect(config.embeddings[0]).not.toHaveProperty('metadataPath')
    expect(embeddings[0]!.metadata).toBeNull()
    expect(readFileSync(join(folder, 'projector_config.pbtxt'), 'utf8')).not.toContain('metadata_path')
    const again = loadProjectorConfig(join(folder, 'projector_config.pbtxt'))
    expect(sameBits(again.embeddings[0]!.tensors.data, f.data)).toBe(true)
  })

  it('writes tensors.bytes (float32 little-endian, row-major) with a second config entry carrying tensorShape', async () => {
    const f = fixture({ entities: trickyEntities(), dim: 6 })
    const folder = join(tmp.dir, 'out')
    const { result } = await runExport({ runId: f.runId, side: 'left', folder, tensorsBytes: true })
    expect(result.files).toEqual(['tensors.tsv', 'metadata.tsv', 'tensors.bytes', 'projector_config.json', 'projector_config.pbtxt'])
    const raw = readFileSync(join(folder, 'tensors.bytes'))
    expect(raw.byteLength).toBe(f.rows * f.dim * 4)
    expect(raw.readFloatLE(4 * (f.dim + 1))).toBe(f.data[f.dim + 1]) // row 1, column 1

    const { config, embeddings } = await readProjectorFolder(folder)
    expect(config.embeddings[1]).toEqual({ tensorName: 'Books_ 5 epochs (books) bytes', tensorShape: [f.rows, f.dim], tensorPath: 'tensors.bytes', metadataPath: 'metadata.tsv' })
    expect(sameBits(embeddings[1]!.tensors.data, f.data)).toBe(true)
    expect(embeddings[1]!.metadata!.rows).toEqual(embeddings[0]!.metadata!.rows)
    for (const e of config.embeddings) expect(isAbsolute(e.tensorPath!) || e.tensorPath!.includes('/')).toBe(false)
  })

  it('says when the folder holds files of an earlier export that this one does not use', async () => {
    const f = fixture({ entities: trickyEntities(), dim: 2 })
    const folder = join(tmp.dir, 'out')
    await runExport({ runId: f.runId, side: 'left', folder, tensorsBytes: true })
    const { result } = await runExport({ runId: f.runId, side: 'left', folder, columns: [] })
    expect(result.warnings).toEqual([
      'The folder still holds tensors.bytes from an earlier export; this export does not use it.',
      'The folder still holds metadata.tsv from an earlier export; this export does not use it.',
    ])
  })

  it(`warns above ${PROJECTOR_MAX_POINTS.toLocaleString('en-US')} points and still writes every row`, async () => {
    const rows = PROJECTOR_MAX_POINTS + 1
    const f = fixture({ entities: Array.from({ length: rows }, (_, i) => entity(`e${i}`, i)), dim: 2 })
    const folder = join(tmp.dir, 'out')
    const { result } = await runExport({ runId: f.runId, side: 'left', folder })
    const warning = '100,001 points: the Embedding Projector shows at most 100,000 (TensorBoard loads only the first 100,000 rows). Word2vec and CSV exports keep every row.'
    expect(result.warnings).toEqual([warning])
    expect(exportInfo(db, f.runId, 'left', tmp.dir).warnings).toEqual([warning])
    const t = parseTensorsTsv(readFileSync(join(folder, 'tensors.tsv')))
    expect(sameBits(t.data, f.data)).toBe(true)
    expect(parseMetadataTsv(readFileSync(join(folder, 'metadata.tsv'))).rows).toHaveLength(rows)
  })

  it('posts progress in rows, up to the table size', async () => {
    const rows = 5000
    const f = fixture({ entities: Array.from({ length: rows }, (_, i) => entity(`e${i}`, i)), dim: 3 })
    const { messages } = await runExport({ runId: f.runId, side: 'left', folder: join(tmp.dir, 'out') })
    const progress = messages.flatMap((m) => (m.type === 'progress' ? [m.progress] : []))
    expect(progress.length).toBe(messages.length)
    const counted = progress.filter((p) => p.total === rows)
    expect(counted.length).toBeGreaterThanOrEqual(3) // 0, blocks of rows, the end
    expect(counted.every((p) => p.unit === 'rows')).toBe(true)
    const done = counted.map((p) => p.done)
    expect(done).toEqual([...done].sort((a, b) => a - b))
    expect(done.at(-1)).toBe(rows)
    expect(counted.some((p) => p.message.startsWith('Writing tensors.tsv, metadata.tsv'))).toBe(true)
  })
})

// ---------------------------------------------------------------- word2vec and CSV

describe('word2vec export', () => {
  it('writes "<rows> <dim>" then a unique whitespace-free token and the exact values per line', async () => {
    const f = fixture({ entities: trickyEntities(), dim: 4 })
    const folder = join(tmp.dir, 'out')
    const { result } = await runExport({ runId: f.runId, side: 'left', folder, format: 'word2vec' })
    expect(result.files).toEqual(['word2vec.txt'])
    const lines = readFileSync(join(folder, 'word2vec.txt'), 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines[0]).toBe(`${f.rows} ${f.dim}`)
    const parsed = lines.slice(1).map((l) => l.split(' '))
    expect(parsed.every((p) => p.length === 1 + f.dim)).toBe(true)
    const tokens = parsed.map((p) => p[0]!)
    expect(tokens).toEqual([
      'plain',
      'tab_here',
      'line_break',
      'windows_break',
      'old_mac_break',
      'say_"hi",_ok',
      PLACEHOLDER,
      `${PLACEHOLDER}_2`,
      `${PLACEHOLDER}_3`,
      'trailing',
      'leading',
      'ünïcødé_📚',
      'a_b',
      'dup',
      'dup_2',
      'dup_2_2', // "dup_2" was taken by the repeated "dup"
    ])
    expect(new Set(tokens).size).toBe(tokens.length)
    const values = Float32Array.from(parsed.flatMap((p) => p.slice(1).map(Number)))
    expect(sameBits(values, f.data)).toBe(true)
    expect(result.warnings).toEqual([
      `3 empty labels were written as “${PLACEHOLDER}”.`,
      `4 tokens repeated an earlier one and were made unique with _2, _3, … (e.g. “${PLACEHOLDER}” → “${PLACEHOLDER}_2”).`,
    ])
  })
})

describe('CSV export', () => {
  it('writes RFC 4180 records that a CSV reader gives back exactly', async () => {
    const f = fixture({ entities: trickyEntities(), dim: 3 })
    const folder = join(tmp.dir, 'out')
    const { result } = await runExport({ runId: f.runId, side: 'left', folder, format: 'csv', columns: ['label', 'key', 'genre'] })
    expect(result.files).toEqual(['vectors.csv'])
    const text = readFileSync(join(folder, 'vectors.csv'), 'utf8')
    expect(text.endsWith('\r\n')).toBe(true)
    const records = parseCsv(text) as string[][]
    expect(records[0]).toEqual(['index', 'label', 'key', 'genre', 'v0', 'v1', 'v2'])
    expect(records).toHaveLength(1 + f.rows)
    f.entities.forEach((e, i) => {
      const r = records[i + 1]!
      expect(r.slice(0, 4)).toEqual([String(i), e.label, e.key, e.metadata?.genre ?? ''])
    })
    const values = Float32Array.from(records.slice(1).flatMap((r) => r.slice(4).map(Number)))
    expect(sameBits(values, f.data)).toBe(true)
  })

  it('renames a column that collides with index or v<i>', async () => {
    const f = fixture({ entities: [entity('a', 0, { v0: 'x', index: 'y' }), entity('b', 1)], dim: 2 })
    const folder = join(tmp.dir, 'out')
    await runExport({ runId: f.runId, side: 'left', folder, format: 'csv', columns: ['index', 'v0'] })
    const records = parseCsv(readFileSync(join(folder, 'vectors.csv'))) as string[][]
    expect(records[0]).toEqual(['index', 'index (2)', 'v0 (2)', 'v0', 'v1'])
    expect(records[1]!.slice(0, 3)).toEqual(['0', 'y', 'x'])
  })
})

describe('value rules', () => {
  it.each([
    ['a\u2028b\u0085c\u0000d\u007fe', 'a b c d e'],
    ['lone \uD800 surrogate', 'lone \uFFFD surrogate'], // what the UTF-8 encoder writes
    ['\u3000\u00a0', PLACEHOLDER], // blank to trim(): the projector would skip the line
    ['(empty)', PLACEHOLDER],
  ])('projector cell %j → %j', (value, shown) => {
    expect(projectorCell(value)).toBe(shown)
  })

  it('word2vec tokens have no whitespace or control characters', () => {
    expect(word2vecToken(' a \u00a0b\u0001c\u2029d ')).toBe('a_b_c_d')
    expect(word2vecToken('\uDC00x')).toBe('\uFFFDx')
    const u = new UniqueTokens()
    expect(['x', 'x_2', 'x', 'x', 'x_3'].map((t) => u.take(t))).toEqual(['x', 'x_2', 'x_3', 'x_4', 'x_3_2'])
  })

  it('CSV quotes only fields that need it', () => {
    expect(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r', ''].map(csvField)).toEqual(['plain', '"a,b"', '"say ""hi"""', '"two\nlines"', '"cr\r"', ''])
  })

  it('tensor names keep to what a TensorBoard URL carries', () => {
    expect(tensorName('run #3: a&b=c?', 'books')).toBe('run _3_ a_b_c_ (books)')
    expect(tensorName('Livres élus', 'films')).toBe('Livres élus (films)')
  })
})

// ---------------------------------------------------------------- refusals

describe('export errors', () => {
  it('refuses invalid parameters, unknown columns, a missing run and non-finite values, leaving no files', async () => {
    const f = fixture({ entities: trickyEntities(), dim: 2 })
    const folder = join(tmp.dir, 'out')
    expect((await exportError({ runId: f.runId, side: 'left' })).jobError.message).toMatch(/^Invalid export parameters: folder/)
    const unknown = await exportError({ runId: f.runId, side: 'left', folder, columns: ['label', 'pages'] })
    expect(unknown.jobError).toMatchObject({ code: 'invalid', message: 'Unknown column “pages”. This side has: label, key, frequency, genre, year.' })
    expect((await exportError({ runId: 999, side: 'left', folder })).jobError.message).toBe('Run 999 does not exist.')

    const blocked = join(tmp.dir, 'file')
    writeFileSync(blocked, 'x')
    expect((await exportError({ runId: f.runId, side: 'left', folder: join(blocked, 'sub') })).jobError.message).toMatch(/^Cannot create the folder/)
    const data = vectors(f.rows, f.dim)
    data[2 * f.dim + 1] = Number.NaN
    saveEmbedding(db, f.runId, 'left', f.rows, f.dim, data)
    expect((await exportError({ runId: f.runId, side: 'left', folder })).jobError.message).toMatch(/1 value that is not a finite number .*the first in row 2/)

    mkdirSync(folder, { recursive: true })
    expect(readdirSync(folder)).toEqual([])
  })
})

// ---------------------------------------------------------------- info

describe('exportInfo', () => {
  it.each([true, false])('lists label, key, frequency, then metadata columns by first appearance (stats: %s)', (ready) => {
    const entities = [entity('a', 0, null), entity('b', 1, { year: '1990', genre: 'sf' }), entity('c', 2, { author: 'X', label: 'hidden', year: '2000' })]
    const f = fixture({ entities, dim: 7, ready, side: 'right' })
    const info = exportInfo(db, f.runId, 'right', '/data')
    expect(info).toEqual({
      rows: 3,
      dim: 7,
      columns: ['label', 'key', 'frequency', 'year', 'genre', 'author'],
      warnings: ['The metadata column “label” has the name of a built-in column: the entity\'s label is written instead.'],
      defaultFolder: join('/data', 'exports', `run-${f.runId}-right`),
    })
  })
})
