import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ImportSpec } from '../../shared/schemas'
import { previewImport } from './preview'
import { keyPairs, readBack, runImport, taskError, tempWorld, type TempWorld } from './testing'

let world: TempWorld
beforeEach(() => {
  world = tempWorld()
})
afterEach(() => world.cleanup())

const line = (title: string, infobox: unknown, links: string[]) => JSON.stringify([title, infobox, links, ['http://x.example'], '2018-08-29T02:37:35Z'])

/**
 * Link counts over the kept books A–E, lower-cased: dragon 5 (A twice), magic 4,
 * hardcover 3 and paperback 1 (generic), rare1 2, rare2 1. The Wikipedia: page
 * would add magic ×4 and dragon ×1.
 */
const BOOKS = [
  line('Book A', { author: 'X', pages: 300 }, ['Dragon', 'magic', 'Hardcover', 'rare1', 'dragon']),
  line('Wikipedia:Project', {}, ['dragon', 'magic', 'magic', 'magic', 'magic']),
  line('Book B', { author: 'Y' }, ['dragon', 'Magic', 'paperback', 'rare2']),
  line('Book C', null, ['DRAGON', 'magic', 'hardcover']),
  line('Book D', {}, ['rare1']),
  line('Book E', {}, ['magic', 'dragon', 'Hardcover']),
]

const wikiSpec = (path: string, extra: Record<string, unknown> = {}) => ({ format: 'wiki-books' as const, file: { path }, minLinkCount: 3, ...extra })

describe('wiki-books import', () => {
  it('cleans as the tutorial: title filter, lower-casing, generic links, min count (every occurrence)', async () => {
    const path = world.file('books.ndjson', BOOKS.join('\n') + '\n\n')
    const { result } = await runImport(world, wikiSpec(path))
    const back = readBack(world, result.datasetId as number)
    expect(back.dataset).toMatchObject({ kind: 'pairs', leftLabel: 'books', rightLabel: 'links', status: 'ready' })
    // Every kept book is an entity (D has no link left), in file order.
    expect(back.left.map((b) => [b.key, b.label, b.frequency])).toEqual([
      ['Book A', 'Book A', 3],
      ['Book B', 'Book B', 2],
      ['Book C', 'Book C', 2],
      ['Book D', 'Book D', 0],
      ['Book E', 'Book E', 2],
    ])
    expect(back.left[0]!.metadata).toEqual({ author: 'X', pages: '300' })
    expect(back.left[2]!.metadata).toEqual({})
    expect(back.right.map((l) => [l.key, l.frequency])).toEqual([
      ['dragon', 5],
      ['magic', 4],
    ])
    // Every occurrence in file order, duplicates kept.
    expect(keyPairs(back)).toEqual([
      ['Book A', 'dragon'],
      ['Book A', 'magic'],
      ['Book A', 'dragon'],
      ['Book B', 'dragon'],
      ['Book B', 'magic'],
      ['Book C', 'dragon'],
      ['Book C', 'magic'],
      ['Book E', 'magic'],
      ['Book E', 'dragon'],
    ])
    const rawLinks = 5 + 4 + 3 + 1 + 3
    expect(back.dataset.options.cleaning).toEqual({
      booksRead: 6,
      booksDroppedByTitle: 1,
      booksKept: 5,
      linkOccurrences: rawLinks,
      distinctLinks: 10,
      distinctLinksAfterLowercase: 6,
      genericLinksDropped: { distinct: 2, occurrences: 3 + 1 },
      rareLinksDropped: { distinct: 2, occurrences: 2 + 1 },
      linksKept: 2,
      interactions: rawLinks - (3 + 1) - (2 + 1),
    })
    // The degree-0 book shows up in the histogram's [0, 0] bin.
    expect(back.dataset.stats!.left.degree.histogram[0]).toEqual({ from: 0, to: 0, count: 1 })
  })

  it.each([
    ['keeping Wikipedia: titles', { dropTitlesContaining: [] }, ['dragon', 'magic'], 6, 9 + 5],
    ['not lower-casing', { lowercaseLinks: false }, ['magic', 'dragon'], 5, 6],
    ['keeping generic links', { dropLinks: [] }, ['dragon', 'magic', 'hardcover'], 5, 9 + 3],
    ['a higher min count', { minLinkCount: 5 }, ['dragon'], 5, 5],
    ['a min count of 1', { minLinkCount: 1 }, ['dragon', 'magic', 'rare1', 'rare2'], 5, 9 + 2 + 1],
  ])('each cleaning step matters: %s', async (_what, change, links, books, interactions) => {
    const path = world.file('books.ndjson', BOOKS.join('\n'))
    const { result } = await runImport(world, wikiSpec(path, change))
    const back = readBack(world, result.datasetId as number)
    expect(back.right.map((l) => l.key)).toEqual(links)
    expect(back.left).toHaveLength(books)
    expect(back.dataset.stats!.interactions).toBe(interactions)
  })

  const BAD = [
    line('Good', {}, ['a', 'a', 'a']),
    'not json',
    '{"title": "object"}',
    '[42, {}, []]',
    '["T", [], []]',
    '["T", {}, "links"]',
    '["T", {}, ["ok", 5]]',
    line('Good', {}, ['a']),
  ]

  it('reports malformed lines and duplicate titles with what was expected and found', async () => {
    const path = world.file('bad.ndjson', BAD.join('\n'))
    const err = await taskError(runImport(world, wikiSpec(path)))
    const report = err.jobError.badRows!
    expect(report.total).toBe(7)
    expect(report.first.map((b) => [b.line, b.message.replace(/\(.*\)$/, '(…)')])).toEqual([
      [2, 'expected a JSON array [title, infobox, wikilinks, …], found invalid JSON (…)'],
      [3, 'expected a JSON array [title, infobox, wikilinks, …], found an object'],
      [4, 'expected the title (1st element) to be a non-empty string, found the number 42'],
      [5, 'expected the infobox (2nd element) to be an object, found an array'],
      [6, 'expected the wikilinks (3rd element) to be an array of strings, found the string "links"'],
      [7, 'expected wikilink 2 to be a string, found the number 5'],
      [8, 'expected a unique title, found the title of line 1 again'],
    ])

    const skipped = await runImport(world, wikiSpec(path), { badRows: 'skip' })
    const back = readBack(world, skipped.result.datasetId as number)
    expect(back.dataset.stats).toMatchObject({ interactions: 3, skippedRows: 7 })
  })

  it('fails clearly when no link survives the cleaning', async () => {
    const path = world.file('none.ndjson', line('Lonely', {}, ['x']))
    await expect(runImport(world, wikiSpec(path))).rejects.toThrow(/none\.ndjson has no usable rows/)
  })
})

describe('wiki-books preview', () => {
  it('shows title, link count, infobox fields and first links, and what the title filter drops', async () => {
    const path = world.file('books.ndjson', [...BOOKS, 'oops', BOOKS[0]].join('\n'))
    const preview = await previewImport(ImportSpec.parse(wikiSpec(path)))
    expect(preview.columns).toEqual(['title', 'links', 'infobox fields', 'first links'])
    expect(preview.rows[0]).toEqual(['Book A', '5', 'author, pages', 'Dragon, magic, Hardcover, rare1, dragon'])
    expect(preview.rows).toHaveLength(5)
    expect(preview.badRows).toMatchObject({ total: 2, first: [{ line: 7, text: 'oops' }, { line: 8, message: 'expected a unique title, found the title of line 1 again' }] })
    expect(preview.suggested).toEqual({ leftLabel: 'books', rightLabel: 'links' })
    expect(preview.notes.join(' ')).toMatch(/1 of the scanned books have a title containing "Wikipedia:"/)
  })
})
