/**
 * Wikipedia books NDJSON (Koehrsen's found_books_filtered.ndjson): one JSON
 * array per line, `[title, infobox object, [wikilinks], [external links],
 * timestamp, ...]`. Cleaned exactly as the tutorial, each step from the spec:
 *
 *   1. drop books whose title contains any of `dropTitlesContaining`
 *      ('Wikipedia:' by default);
 *   2. lower-case the links (`lowercaseLinks`);
 *   3. drop the `dropLinks` list (generic links such as 'hardcover'),
 *      compared case-insensitively;
 *   4. keep links seen at least `minLinkCount` times over all kept books,
 *      counting every occurrence.
 *
 * Left = books (key and label = title, metadata = infobox fields as strings;
 * every kept book is an entity, even with no link left), right = links.
 * Entities are numbered in order of first appearance; interactions are every
 * (book, kept link) occurrence in file order, duplicates kept. Step 4 needs
 * the counts first, so the file is streamed twice: pass 1 counts, pass 2 writes.
 */
import { basename } from 'node:path'
import type { ImportPreview, ImportSpec } from '../../shared/schemas'
import type { Db } from '../store/db'
import { BadRows, describeValue } from './badrows'
import { PREVIEW_ROWS, readPreviewHead, scanNote } from './head'
import { DatasetImport, type ImportResult, type ImportRun } from './importer'
import { readLineBatches } from './lines'
import { Vocab } from './vocab'

type WikiSpec = Extract<ImportSpec, { format: 'wiki-books' }>

export interface WikiBook {
  title: string
  /** Infobox fields as strings. */
  infobox: Record<string, string>
  /** Wikilinks as in the file. */
  links: string[]
}

const SHAPE = 'a JSON array [title, infobox, wikilinks, …]'

/** One line of the file, or what is wrong with it. */
export function parseWikiLine(line: string): WikiBook | { error: string } {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (err) {
    return { error: `expected ${SHAPE}, found invalid JSON (${(err as Error).message})` }
  }
  if (!Array.isArray(value)) return { error: `expected ${SHAPE}, found ${describeValue(value)}` }
  const [title, infobox, links] = value as unknown[]
  if (typeof title !== 'string' || title.trim() === '') {
    return { error: `expected the title (1st element) to be a non-empty string, found ${describeValue(title)}` }
  }
  if (infobox !== null && infobox !== undefined && (typeof infobox !== 'object' || Array.isArray(infobox))) {
    return { error: `expected the infobox (2nd element) to be an object, found ${describeValue(infobox)}` }
  }
  if (!Array.isArray(links)) {
    return { error: `expected the wikilinks (3rd element) to be an array of strings, found ${describeValue(links)}` }
  }
  const notString = links.findIndex((l) => typeof l !== 'string')
  if (notString >= 0) {
    return { error: `expected wikilink ${notString + 1} to be a string, found ${describeValue(links[notString])}` }
  }
  return { title, infobox: infoboxStrings(infobox as Record<string, unknown> | null | undefined), links: links as string[] }
}

function infoboxStrings(infobox: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(infobox ?? {})) {
    if (value === null || value === undefined) continue
    out[key] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)
  }
  return out
}

/** Steps 1–3 of the cleaning (step 4 needs the counts of the whole file). */
export class WikiCleaner {
  private readonly titleNeedles: string[]
  private readonly generic: Set<string>

  constructor(private readonly spec: WikiSpec) {
    this.titleNeedles = spec.dropTitlesContaining.filter((s) => s.length > 0)
    this.generic = new Set(spec.dropLinks.map((l) => l.toLowerCase()))
  }

  dropsTitle(title: string): boolean {
    return this.titleNeedles.some((needle) => title.includes(needle))
  }

  /** Step 2: the link as it is counted and stored. */
  normalize(link: string): string {
    return this.spec.lowercaseLinks ? link.toLowerCase() : link
  }

  /** Step 3. */
  isGeneric(normalizedLink: string): boolean {
    return this.generic.has(normalizedLink.toLowerCase())
  }
}

interface BookVisitor {
  /** A well-formed book that survives the title filter, with its line. */
  book(book: WikiBook, line: number): void
  dropped(book: WikiBook): void
  bad(line: number, message: string, text: string): void
}

/**
 * Lines → books through the shape check, the title filter and the
 * duplicate-title check: both passes and the preview see the same books.
 */
class BookScanner {
  private readonly firstLineOf = new Map<string, number>()

  constructor(
    private readonly cleaner: WikiCleaner,
    private readonly visit: BookVisitor,
  ) {}

  line(text: string, line: number): void {
    if (text.trim() === '') return
    const parsed = parseWikiLine(text)
    if ('error' in parsed) return this.visit.bad(line, parsed.error, text)
    if (this.cleaner.dropsTitle(parsed.title)) return this.visit.dropped(parsed)
    const first = this.firstLineOf.get(parsed.title)
    if (first !== undefined) return this.visit.bad(line, `expected a unique title, found the title of line ${first} again`, text)
    this.firstLineOf.set(parsed.title, line)
    this.visit.book(parsed, line)
  }
}

/** Stream the whole file through a BookScanner, each batch of lines inside `inBatch`. */
async function scanBooks(
  file: string,
  cleaner: WikiCleaner,
  visit: BookVisitor,
  inBatch: (work: () => void) => void,
  onProgress: (bytesRead: number) => void,
): Promise<void> {
  const scanner = new BookScanner(cleaner, visit)
  for await (const { lines, firstLine, bytesRead } of readLineBatches(file)) {
    inBatch(() => lines.forEach((text, i) => scanner.line(text, firstLine + i)))
    onProgress(bytesRead)
  }
}

export async function importWikiBooks(db: Db, spec: WikiSpec, run: ImportRun): Promise<ImportResult> {
  const file = spec.file.path
  const name = basename(file)
  const job = await DatasetImport.start(db, run, {
    kind: 'pairs',
    spec,
    leftLabel: 'books',
    rightLabel: 'links',
    columns: { value: false, ts: false },
  })
  const cleaner = new WikiCleaner(spec)
  const twoPasses = job.fileSize * 2

  // Pass 1: count every normalised link occurrence of the kept books.
  const counts = new Map<string, number>()
  const rawLinks = new Set<string>()
  let booksKept = 0
  let booksDroppedByTitle = 0
  let linkOccurrences = 0
  await scanBooks(
    file,
    cleaner,
    {
      book(book) {
        booksKept++
        for (const raw of book.links) {
          rawLinks.add(raw)
          const link = cleaner.normalize(raw)
          counts.set(link, (counts.get(link) ?? 0) + 1)
        }
        linkOccurrences += book.links.length
      },
      dropped: () => booksDroppedByTitle++,
      bad: (line, message, text) => job.badRow(line, message, text),
    },
    (work) => work(),
    (bytes) => job.progress(bytes, `Counting links in ${name} (pass 1 of 2)`, twoPasses),
  )
  job.checkBadRows()

  const kept = new Set<string>()
  const generic = { distinct: 0, occurrences: 0 }
  const rare = { distinct: 0, occurrences: 0 }
  for (const [link, count] of counts) {
    if (cleaner.isGeneric(link)) {
      generic.distinct++
      generic.occurrences += count
    } else if (count < spec.minLinkCount) {
      rare.distinct++
      rare.occurrences += count
    } else kept.add(link)
  }

  // Pass 2: number the books and kept links, write every kept occurrence.
  const books = new Vocab()
  const links = new Vocab()
  const infoboxes: Record<string, string>[] = []
  await scanBooks(
    file,
    cleaner,
    {
      book(book) {
        const b = books.index(book.title)
        infoboxes.push(book.infobox)
        for (const raw of book.links) {
          const link = cleaner.normalize(raw)
          if (!kept.has(link)) continue
          books.bump(b)
          job.add(b, links.add(link))
        }
      },
      dropped: () => {},
      bad: () => {},
    },
    (work) => job.transaction(work),
    (bytes) => job.progress(job.fileSize + bytes, `Writing ${name} (pass 2 of 2): ${job.rows.toLocaleString('en-US')} pairs`, twoPasses),
  )

  const cleaning = {
    booksRead: booksKept + booksDroppedByTitle,
    booksDroppedByTitle,
    booksKept,
    linkOccurrences,
    distinctLinks: rawLinks.size,
    distinctLinksAfterLowercase: counts.size,
    genericLinksDropped: generic,
    rareLinksDropped: rare,
    linksKept: kept.size,
    interactions: job.rows,
  }
  job.finish(
    books.entities((key, i) => ({ label: key, metadata: infoboxes[i]! })),
    links.entities(),
    { cleaning },
  )
  return { datasetId: job.datasetId }
}

export async function previewWikiBooks(spec: WikiSpec): Promise<ImportPreview> {
  const file = spec.file.path
  const head = await readPreviewHead(file)
  const badRows = new BadRows(file)
  const rows: string[][] = []
  let books = 0
  let dropped = 0
  const scanner = new BookScanner(new WikiCleaner(spec), {
    book(book) {
      books++
      if (rows.length < PREVIEW_ROWS) {
        rows.push([book.title, String(book.links.length), Object.keys(book.infobox).join(', '), book.links.slice(0, 5).join(', ')])
      }
    },
    dropped: () => dropped++,
    bad: (line, message, text) => badRows.add(line, message, text),
  })
  head.lines.forEach((text, i) => scanner.line(text, i + 1))
  if (books + dropped + badRows.total === 0) throw new Error(`${basename(file)} has no books (only blank lines) (${file}).`)
  const needles = spec.dropTitlesContaining.filter((s) => s.length > 0)
  return {
    format: spec.format,
    columns: ['title', 'links', 'infobox fields', 'first links'],
    rows,
    delimiter: null,
    variant: null,
    badRows: badRows.report(),
    suggested: { leftLabel: 'books', rightLabel: 'links' },
    notes: [
      scanNote(head, rows.length, books + badRows.total),
      needles.length > 0
        ? `${dropped} of the scanned books have a title containing ${needles.map((n) => JSON.stringify(n)).join(' or ')} and will be dropped.`
        : 'No title filter: every book is kept.',
      `Links are ${spec.lowercaseLinks ? 'lower-cased, ' : ''}cleaned of ${spec.dropLinks.length} generic links, and kept when seen at least ${spec.minLinkCount} times in the whole file.`,
    ],
  }
}
