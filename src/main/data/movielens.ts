/**
 * MovieLens ratings, three variants told apart by content (then file name):
 *
 *   u.data       tab-separated `user item rating timestamp`, no header (ML-100K)
 *   ratings.csv  `userId,movieId,rating,timestamp` with a header (ml-latest, ML-25M)
 *   ratings.dat  `UserID::MovieID::Rating::Timestamp` (ML-1M, ML-10M)
 *
 * and an optional items file for titles and genres:
 *
 *   u.item       `|`-separated, latin-1: id|title|release date|video release
 *                date|IMDb URL|19 genre flags (GENRES order)
 *   movies.csv   `movieId,title,genres` with a header, `|`-joined genres,
 *                quoted titles containing commas
 *   movies.dat   `MovieID::Title::Genres`, latin-1
 *
 * and an optional test file of a predefined split (ML-100K's u1.test … u5.test,
 * ua/ub.test; the main file is then the training part, u1.base): the same
 * rating format (its variant detected on its own), read after the main file,
 * its ratings appended after the training ones; bad rows are reported with
 * the test file's name and lines. The options record
 * `predefinedSplit: { trainRows, testRows, testFile }`.
 *
 * Left = users, right = movies, value = rating, ts = timestamp; kind 'ratings'.
 * Only rated movies are entities (numbered in order of first rating); a movie's
 * label is its title (its id when the items file lacks it) and its metadata
 * {title, genres, year}, year taken from a trailing "(1995)" in the title.
 */
import { basename } from 'node:path'
import type { ImportPreview, ImportSpec } from '../../shared/schemas'
import type { Db } from '../store/db'
import { BadRows } from './badrows'
import { describeDelimiter, fieldCountMessage, parseLines, readDelimited, type DelimitedFormat, type RecordSink } from './delimited'
import { PreviewRows, readPreviewHead } from './head'
import { DatasetImport, type ImportResult, type ImportRun } from './importer'
import { fileSize, readHead, type Encoding } from './lines'
import { InteractionRows, type InteractionColumns, type OnBad, type OnRow } from './rows'
import { Vocab } from './vocab'

type MovieLensSpec = Extract<ImportSpec, { format: 'movielens' }>
export type RatingsVariant = 'u.data' | 'ratings.csv' | 'ratings.dat'
export type ItemsVariant = 'u.item' | 'movies.csv' | 'movies.dat'

/** The 19 genre flags of u.item, in file order. */
export const GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const

interface FileLayout extends DelimitedFormat {
  encoding: Encoding
}

const RATINGS: Record<RatingsVariant, FileLayout> = {
  'u.data': { delimiter: '\t', quote: false, encoding: 'utf8' },
  'ratings.csv': { delimiter: ',', quote: true, encoding: 'utf8' },
  'ratings.dat': { delimiter: '::', quote: false, encoding: 'utf8' },
}

const ITEMS: Record<ItemsVariant, FileLayout & { columns: string[] }> = {
  'u.item': {
    delimiter: '|',
    quote: false,
    encoding: 'latin1',
    columns: ['id', 'title', 'release date', 'video release date', 'IMDb URL', ...GENRES],
  },
  'movies.csv': { delimiter: ',', quote: true, encoding: 'utf8', columns: ['movieId', 'title', 'genres'] },
  'movies.dat': { delimiter: '::', quote: false, encoding: 'latin1', columns: ['MovieID', 'Title', 'Genres'] },
}

const rowsFmt = new Intl.NumberFormat('en-US')

const RATING_COLUMNS: InteractionColumns = { columns: ['user', 'item', 'rating', 'timestamp'], left: 0, right: 1, value: 2, ts: 3 }

/** By content first (the separator on the first line), then by file name. */
export function detectRatingsVariant(path: string, firstLine: string): RatingsVariant {
  if (firstLine.includes('::')) return 'ratings.dat'
  if (firstLine.includes('\t')) return 'u.data'
  if (firstLine.includes(',')) return 'ratings.csv'
  const name = basename(path).toLowerCase()
  if (name.endsWith('.dat')) return 'ratings.dat'
  if (name.endsWith('.csv')) return 'ratings.csv'
  return 'u.data'
}

export function detectItemsVariant(path: string, firstLine: string): ItemsVariant {
  if (firstLine.includes('::')) return 'movies.dat'
  if (/^\s*movieId\s*,/i.test(firstLine) || basename(path).toLowerCase().endsWith('.csv')) return 'movies.csv'
  if (firstLine.includes('|')) return 'u.item'
  return basename(path).toLowerCase().endsWith('.dat') ? 'movies.dat' : 'u.item'
}

export interface MovieInfo {
  title: string
  /** `|`-joined. */
  genres: string
}

const YEAR = /\((\d{4})\)\s*$/

export function movieMetadata(info: MovieInfo): Record<string, string> {
  const year = YEAR.exec(info.title)?.[1]
  return { title: info.title, genres: info.genres, ...(year ? { year } : {}) }
}

const firstFieldIsNotNumeric = (fields: string[]): boolean => Number.isNaN(Number(fields[0]?.trim() || 'x'))

/** Items-file records → (id, title, genres), with a duplicate-id check. */
class ItemRows implements RecordSink {
  private first = true
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly variant: ItemsVariant,
    private readonly onItem: (id: string, info: MovieInfo) => void,
    readonly bad: OnBad,
  ) {}

  record(fields: string[], line: number, text: string): void {
    const { columns } = ITEMS[this.variant]
    if (this.first) {
      this.first = false
      if (this.variant === 'movies.csv' && firstFieldIsNotNumeric(fields)) return
    }
    if (fields.length !== columns.length) return this.bad(line, fieldCountMessage(columns, fields.length), text)
    const id = fields[0]!.trim()
    if (id === '') return this.bad(line, `expected a movie id in column "${columns[0]}", found an empty field`, text)
    const before = this.seen.get(id)
    if (before !== undefined) return this.bad(line, `expected a unique movie id, found id ${id} of line ${before} again`, text)
    this.seen.set(id, line)
    const title = fields[1]!.trim()
    const genres = this.variant === 'u.item' ? GENRES.filter((_, k) => fields[5 + k]?.trim() === '1').join('|') : fields[2]!.trim()
    this.onItem(id, { title, genres })
  }
}

/** Read a whole items file into id → info (the size of the catalogue, not of the ratings). */
export async function readItems(path: string, variant: ItemsVariant, bad: BadRows): Promise<Map<string, MovieInfo>> {
  const items = new Map<string, MovieInfo>()
  const sink = new ItemRows(variant, (id, info) => items.set(id, info), (line, message, text) => bad.add(line, message, text))
  await readDelimited(path, ITEMS[variant], sink)
  return items
}

/** First line of a file (read as latin-1, which decodes any bytes) for variant detection. */
async function firstLine(path: string): Promise<string> {
  const head = await readHead(path, 5, 1 << 16, 'latin1')
  return head.lines.find((l) => l.trim() !== '') ?? ''
}

function resolveRatingsVariant(spec: MovieLensSpec, line: string, path = spec.file.path): RatingsVariant {
  return spec.variant === 'auto' ? detectRatingsVariant(path, line) : spec.variant
}

function ratingRows(variant: RatingsVariant, onRow: OnRow, onBad: OnBad): InteractionRows {
  const isHeader = variant === 'ratings.csv' ? firstFieldIsNotNumeric : undefined
  return new InteractionRows({ fixed: RATING_COLUMNS, isHeader }, RATINGS[variant].delimiter, onRow, onBad)
}

export async function importMovieLens(db: Db, spec: MovieLensSpec, run: ImportRun): Promise<ImportResult> {
  const variant = resolveRatingsVariant(spec, await firstLine(spec.file.path))
  const itemsPath = spec.itemsFile?.path ?? null
  const itemsBad = itemsPath ? new BadRows(itemsPath) : null
  let items: Map<string, MovieInfo> | null = null
  let itemsVariant: ItemsVariant | null = null
  if (itemsPath && itemsBad) {
    itemsVariant = detectItemsVariant(itemsPath, await firstLine(itemsPath))
    items = await readItems(itemsPath, itemsVariant, itemsBad)
    if (run.policy === 'abort' && itemsBad.total > 0) throw itemsBad.toError()
  }

  const job = await DatasetImport.start(db, run, {
    kind: 'ratings',
    spec,
    leftLabel: 'users',
    rightLabel: 'movies',
    columns: { value: true, ts: true },
  })
  const users = new Vocab()
  const movies = new Vocab()
  const testPath = spec.testPath
  const totalBytes = job.fileSize + (testPath ? await fileSize(testPath) : 0)
  const sink = ratingRows(
    variant,
    (user, movie, rating, ts) => {
      if (job.writing) job.add(users.addSpan(user), movies.addSpan(movie), rating, ts)
    },
    (line, message, text) => job.badRow(line, message, text),
  )
  const layout = RATINGS[variant]
  await readDelimited(
    spec.file.path,
    { ...layout, inBatch: (work) => job.transaction(work), onProgress: (bytes) => job.progress(bytes, undefined, totalBytes) },
    sink,
  )
  const testFound = testPath ? await readTestFile(job, run, spec, testPath, totalBytes, users, movies) : null

  const describeMovie = (key: string) => {
    const info = items?.get(key)
    return info ? { label: info.title || key, metadata: movieMetadata(info) } : { label: key, metadata: null }
  }
  const itemsFound = items && {
    itemsVariant,
    itemsListed: items.size,
    ratedItemsWithoutTitle: movies.keys.filter((key) => !items.has(key)).length,
    itemsNeverRated: [...items.keys()].filter((key) => movies.get(key) === undefined).length,
    itemsBadRows: itemsBad?.report(),
  }
  const otherSkipped = (itemsBad?.total ?? 0) + (testFound?.skipped ?? 0)
  job.finish(users.entities(), movies.entities(describeMovie), { detectedVariant: variant, ...itemsFound, ...testFound?.found }, otherSkipped)
  return { datasetId: job.datasetId }
}

/**
 * The test file of a predefined split, after the main (training) file: its
 * ratings are appended, its bad rows kept apart (with its own name). Returns
 * what to record in the options and how many rows it skipped.
 */
async function readTestFile(
  job: DatasetImport,
  run: ImportRun,
  spec: MovieLensSpec,
  path: string,
  totalBytes: number,
  users: Vocab,
  movies: Vocab,
): Promise<{ found: Record<string, unknown>; skipped: number }> {
  job.checkBadRows() // the training file's bad rows first
  const trainRows = job.rows
  if (trainRows === 0) throw new Error(`${basename(spec.file.path)} has no usable rows for the training part.`)
  const variant = resolveRatingsVariant(spec, await firstLine(path), path)
  const bad = new BadRows(path)
  const aborting = run.policy === 'abort'
  const sink = ratingRows(
    variant,
    (user, movie, rating, ts) => {
      if (!aborting || bad.total === 0) job.add(users.addSpan(user), movies.addSpan(movie), rating, ts)
    },
    (line, message, text) => bad.add(line, message, text),
  )
  const name = basename(path)
  await readDelimited(
    path,
    {
      ...RATINGS[variant],
      inBatch: (work) => job.transaction(work),
      onProgress: (bytes) => job.progress(job.fileSize + bytes, `Reading ${name}: ${rowsFmt.format(job.rows - trainRows)} test rows`, totalBytes),
    },
    sink,
  )
  if (aborting && bad.total > 0) throw bad.toError()
  const testRows = job.rows - trainRows
  if (testRows === 0) throw new Error(`${name} has no usable rows for the test part${bad.total ? ` (${bad.summary()})` : ''}.`)
  return {
    found: { predefinedSplit: { trainRows, testRows, testFile: name }, testVariant: variant, testBadRows: bad.report() },
    skipped: bad.total,
  }
}

export async function previewMovieLens(spec: MovieLensSpec): Promise<ImportPreview> {
  const file = spec.file.path
  const head = await readPreviewHead(file)
  const variant = resolveRatingsVariant(spec, head.lines.find((l) => l.trim() !== '') ?? '')
  const layout = RATINGS[variant]
  const preview = new PreviewRows(file)
  parseLines(head.lines, layout, preview.around(ratingRows(variant, preview.accept, preview.reject)), head.complete)
  const notes = [
    `MovieLens ${variant} (${describeDelimiter(layout.delimiter)}-separated${variant === 'ratings.csv' ? ', with a header' : ''})${spec.variant === 'auto' ? ', detected' : ''}.`,
  ]
  if (spec.itemsFile) notes.push(await itemsNote(spec.itemsFile.path))
  else notes.push('No items file: movies will be labelled by their ids.')
  if (spec.testPath) notes.push(await testNote(spec, spec.testPath))
  return preview.result(head, {
    format: spec.format,
    columns: [...RATING_COLUMNS.columns],
    delimiter: layout.delimiter,
    variant,
    suggested: { leftLabel: 'users', rightLabel: 'movies' },
    notes,
  })
}

/** One line on the items file's head: its variant, a sample title, bad rows. */
async function itemsNote(path: string): Promise<string> {
  const variant = detectItemsVariant(path, await firstLine(path))
  const layout = ITEMS[variant]
  const head = await readPreviewHead(path, layout.encoding)
  const bad = new BadRows(path)
  const titles: string[] = []
  parseLines(head.lines, layout, new ItemRows(variant, (_id, info) => titles.push(info.title), (l, m, t) => bad.add(l, m, t)), head.complete)
  const sample = titles.slice(0, 3).map((t) => `"${t}"`).join(', ')
  const badText = bad.total > 0 ? ` ${bad.summary()}.` : ''
  return `Items file ${basename(path)}: ${variant} (${layout.encoding === 'latin1' ? 'latin-1' : 'UTF-8'}), ${titles.length} titles in the first ${head.lines.length} lines${sample ? `, e.g. ${sample}` : ''}.${badText}`
}

/** One line on the test file's head: its variant, rows, bad rows. */
async function testNote(spec: MovieLensSpec, path: string): Promise<string> {
  const head = await readPreviewHead(path)
  const variant = resolveRatingsVariant(spec, head.lines.find((l) => l.trim() !== '') ?? '', path)
  const preview = new PreviewRows(path)
  parseLines(head.lines, RATINGS[variant], preview.around(ratingRows(variant, preview.accept, preview.reject)), head.complete)
  const scanned = head.complete ? 'in the whole file' : `in the first ${head.lines.length} lines`
  const badText = preview.badRows.total > 0 ? ` ${preview.badRows.summary()}.` : ''
  return `Test file ${basename(path)} (predefined split; ${basename(spec.file.path)} is the training part): ${variant}, ${rowsFmt.format(preview.dataRows)} ratings ${scanned}.${badText}`
}
