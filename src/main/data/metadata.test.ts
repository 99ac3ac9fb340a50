import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ImportSpec } from '../../shared/schemas'
import { createDataset } from '../store/datasets'
import { previewImport } from './preview'
import { readBack, runImport, taskError, tempWorld, type TempWorld } from './testing'

let world: TempWorld
let datasetId: number
beforeEach(async () => {
  world = tempWorld()
  const pairs = world.file('tags.csv', 'book,tag\nBook A,magic\nBook B,crime\nBook A,dragons\nBook C,magic\n')
  const { result } = await runImport(world, { format: 'pairs-csv', file: { path: pairs }, leftColumn: 'book', rightColumn: 'tag' })
  datasetId = result.datasetId as number
})
afterEach(() => world.cleanup())

const TABLE = 'title,author,genre,pages\nBook A,X,Fantasy,300\nBook B,"Doe, Jane",Mystery,200\nUnknown Book,Z,Horror,100\n'

const metaSpec = (path: string, extra: Record<string, unknown> = {}) => ({
  format: 'metadata' as const,
  file: { path },
  datasetId,
  side: 'left' as const,
  keyColumn: 'title',
  ...extra,
})

describe('metadata join', () => {
  it('merges every column but the key into the matched entities and counts the unmatched keys', async () => {
    const path = world.file('books.csv', TABLE)
    const { result } = await runImport(world, metaSpec(path))
    expect(result).toEqual({ datasetId, matched: 2, unmatched: 1, skippedRows: 0, unmatchedExamples: ['Unknown Book'] })
    const back = readBack(world, datasetId)
    expect(back.left.map((e) => [e.key, e.label, e.metadata])).toEqual([
      ['Book A', 'Book A', { author: 'X', genre: 'Fantasy', pages: '300' }],
      ['Book B', 'Book B', { author: 'Doe, Jane', genre: 'Mystery', pages: '200' }],
      ['Book C', 'Book C', {}],
    ])
    expect(back.dataset.stats!.left.metadataColumns).toEqual(['author', 'genre', 'pages'])
    expect(back.dataset.options.metadataImports).toMatchObject([{ keyColumn: 'title', columns: ['author', 'genre', 'pages'], matched: 2, unmatched: 1 }])
  })

  it('merges chosen columns into existing metadata and replaces labels from labelColumn (top entities too)', async () => {
    await runImport(world, metaSpec(world.file('genres.csv', TABLE), { columns: ['genre'] }))
    await runImport(world, metaSpec(world.file('authors.tsv', 'title\tauthor\tgenre\tpages\nBook A\tX\tFantasy\t300\nBook B\t"Doe, Jane"\tMystery\t200\n'), { columns: ['pages'], labelColumn: 'author' }))
    const back = readBack(world, datasetId)
    expect(back.left[0]).toMatchObject({ label: 'X', metadata: { genre: 'Fantasy', pages: '300' } })
    expect(back.left[1]).toMatchObject({ label: 'Doe, Jane', metadata: { genre: 'Mystery', pages: '200' } })
    expect(back.dataset.stats!.topLeft[0]).toEqual({ key: 'Book A', label: 'X', count: 2 })
    expect(back.dataset.stats!.left.metadataColumns).toEqual(['genre', 'pages'])
  })

  it('is all or nothing: bad rows (duplicate key, wrong field count) abort without writing anything', async () => {
    const path = world.file('dups.csv', `${TABLE}Book A,Y,Horror,1\nBook C,too,few\n`)
    const err = await taskError(runImport(world, metaSpec(path)))
    expect(err.jobError.badRows!.first.map((b) => [b.line, b.message])).toEqual([
      [5, 'expected a unique key, found "Book A" of line 2 again'],
      [6, 'expected 4 fields (title, author, genre, pages), found 3'],
    ])
    const untouched = readBack(world, datasetId)
    expect(untouched.left.map((e) => e.metadata)).toEqual([{}, {}, {}])
    expect(untouched.dataset.stats!.left.metadataColumns).toEqual([])

    const { result } = await runImport(world, metaSpec(path), { badRows: 'skip' })
    expect(result).toMatchObject({ matched: 2, skippedRows: 2 })
    expect(readBack(world, datasetId).left[0]!.metadata).toEqual({ author: 'X', genre: 'Fantasy', pages: '300' })
  })

  it.each([
    ['a missing key column', () => metaSpec(world.file('t.csv', TABLE), { keyColumn: 'name' }), /t\.csv has no column "name" \(chosen as the key column\)\. Its columns are: "title", "author", "genre", "pages"/],
    ['a missing chosen column', () => metaSpec(world.file('t.csv', TABLE), { columns: ['year'] }), /no column "year" \(chosen as the metadata column\)/],
    ['no key matching', () => metaSpec(world.file('t.csv', TABLE), { side: 'right' }), /None of the 3 keys in column "title" of t\.csv matches a key of the right/],
  ])('fails clearly on %s', async (_what, spec, message) => {
    await expect(runImport(world, spec())).rejects.toThrow(message)
  })

  it('refuses a dataset that is not ready', async () => {
    const db = world.open()
    const id = createDataset(db, { name: 'x', kind: 'pairs', format: 'pairs-csv', source: 'x', leftLabel: 'l', rightLabel: 'r', options: {} })
    db.close()
    await expect(runImport(world, { ...metaSpec(world.file('t.csv', TABLE)), datasetId: id })).rejects.toThrow(/is importing; metadata can only be joined to a ready dataset/)
  })

  it('previews the table with suggestions', async () => {
    const preview = await previewImport(ImportSpec.parse(metaSpec(world.file('t.csv', TABLE), { labelColumn: 'title' })))
    expect(preview).toMatchObject({ columns: ['title', 'author', 'genre', 'pages'], delimiter: ',', suggested: { keyColumn: 'title', labelColumn: 'title' } })
    expect(preview.rows[1]).toEqual(['Book B', 'Doe, Jane', 'Mystery', '200'])
  })
})
