import { statSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { listDatasets } from '../store/datasets'
import { MAX_BAD_ROW_TEXT } from './badrows'
import { importTitle, previewImport } from './preview'
import { runImportTask } from './tasks'
import { collectingReporter, keyPairs, readBack, runImport, taskError, tempWorld, type TempWorld } from './testing'
import { ImportSpec } from '../../shared/schemas'

let world: TempWorld
beforeEach(() => {
  world = tempWorld()
})
afterEach(() => world.cleanup())

const pairsSpec = (path: string, extra: Record<string, unknown> = {}) => ({
  format: 'pairs-csv' as const,
  file: { path },
  leftColumn: 'user',
  rightColumn: 'item',
  ...extra,
})

describe('pairs-csv import', () => {
  it('imports pairs with entities in order of first appearance and their frequencies', async () => {
    const rows = [
      ['u1', 'i1'],
      ['u2', 'i1'],
      ['u1', 'i2'],
      ['u3', 'i3'],
      ['u1', 'i1'],
    ]
    const path = world.file('pairs.csv', `user,item\n${rows.map((r) => r.join(',')).join('\n')}\n`)
    const { result, messages } = await runImport(world, pairsSpec(path, { leftLabel: 'users', rightLabel: 'items' }))
    const back = readBack(world, result.datasetId as number)

    expect(back.dataset).toMatchObject({ name: 'pairs.csv', kind: 'pairs', status: 'ready', leftLabel: 'users', rightLabel: 'items', source: path })
    expect(back.left.map((e) => [e.key, e.label, e.frequency])).toEqual([
      ['u1', 'u1', 3],
      ['u2', 'u2', 1],
      ['u3', 'u3', 1],
    ])
    expect(back.right.map((e) => [e.key, e.frequency])).toEqual([
      ['i1', 3],
      ['i2', 1],
      ['i3', 1],
    ])
    expect(keyPairs(back)).toEqual(rows)
    expect(back.interactions.value).toBeNull()
    expect(back.dataset.stats).toMatchObject({ interactions: 5, distinctPairs: 4, values: null, skippedRows: 0 })
    expect(back.dataset.options).toMatchObject({ leftColumn: 'user', detectedDelimiter: ',', badRowPolicy: 'abort' })

    // The dataset id is reported at once, then progress in bytes of the file.
    const size = statSync(path).size
    expect(messages[0]).toMatchObject({ type: 'progress', context: { datasetId: result.datasetId }, progress: { unit: 'bytes', total: size } })
    expect(messages.some((m) => m.type === 'progress' && m.progress.done === size)).toBe(true)
  })

  it('maps value and timestamp columns of a TSV (numbers and ISO dates) and makes a ratings dataset', async () => {
    const path = world.file(
      'ratings.tsv',
      'note\tuser\titem\trating\twhen\n' + 'a\tu1\tm1\t4.5\t2020-01-02\n' + 'b\tu2\tm1\t3\t1577934245\n',
    )
    const { result } = await runImport(world, pairsSpec(path, { valueColumn: 'rating', timestampColumn: 'when' }), { name: 'My ratings' })
    const back = readBack(world, result.datasetId as number)
    expect(back.dataset).toMatchObject({ name: 'My ratings', kind: 'ratings' })
    expect(Array.from(back.interactions.value!)).toEqual([4.5, 3])
    expect(Array.from(back.interactions.ts!)).toEqual([Date.UTC(2020, 0, 2) / 1000, 1577934245])
    expect(back.dataset.stats!.values).toEqual({ min: 3, max: 4.5, mean: (4.5 + 3) / 2 })
  })

  // line 1 header; the quoted record of lines 2–3; then one bad row per line 5, 6, 7.
  const QUOTED = [
    'user;item;note',
    '"Smith; John";"Book ""One""";"two',
    'lines"',
    'plain;x;y',
    '"closed" then text;x;y',
    ' ;x;y',
    'too;few',
    'last;"x";z',
  ].join('\n')

  it('reads RFC 4180 quoting (delimiters, doubled quotes, newlines) and skips bad rows under "skip"', async () => {
    const path = world.file('quoted.csv', QUOTED)
    const { result } = await runImport(world, pairsSpec(path), { badRows: 'skip' })
    const back = readBack(world, result.datasetId as number)
    expect(keyPairs(back)).toEqual([
      ['Smith; John', 'Book "One"'],
      ['plain', 'x'],
      ['last', 'x'],
    ])
    expect(back.dataset.stats!.skippedRows).toBe(3)
    const report = back.dataset.options.badRows as { total: number; first: { line: number; message: string; text: string }[] }
    expect(report.total).toBe(3)
    expect(report.first.map((b) => b.line)).toEqual([5, 6, 7])
    expect(report.first[0]!.message).toMatch(/after a closing quote/)
    expect(report.first[1]!.message).toBe('expected a key in column "user", found an empty field')
    expect(report.first[2]).toEqual({ line: 7, message: 'expected 3 fields (user, item, note), found 2', text: 'too;few' })
  })

  it('aborts with a bad_rows error counting every bad row, with their file lines', async () => {
    const path = world.file('quoted.csv', QUOTED)
    const err = await taskError(runImport(world, pairsSpec(path)))
    expect(err.jobError.code).toBe('bad_rows')
    expect(err.jobError.message).toBe('quoted.csv: 3 bad rows (first at line 5: ' + err.jobError.badRows!.first[0]!.message + ')')
    expect(err.jobError.badRows).toMatchObject({ total: 3, file: path })
    expect(err.jobError.badRows!.first.map((b) => b.line)).toEqual([5, 6, 7])
  })

  it('keeps the first 20 bad rows of many, counts them all, and clips long raw text', async () => {
    const lines = ['user,item']
    const badLines: number[] = []
    for (let i = 0; i < 100; i++) {
      if (i % 4 === 3) {
        lines.push(`${'x'.repeat(300)},too,many`)
        badLines.push(lines.length)
      } else lines.push(`u${i},i${i}`)
    }
    const path = world.file('many.csv', lines.join('\n'))
    const err = await taskError(runImport(world, pairsSpec(path)))
    const report = err.jobError.badRows!
    expect(report.total).toBe(25)
    expect(report.first.map((b) => b.line)).toEqual(badLines.slice(0, 20))
    expect(report.first[0]!.text.length).toBe(MAX_BAD_ROW_TEXT)
    expect(err.jobError.message).toMatch(/^many\.csv: 25 bad rows \(first at line 5: expected 2 fields \(user, item\), found 3\)$/)

    const skipped = await runImport(world, pairsSpec(path), { badRows: 'skip' })
    const back = readBack(world, skipped.result.datasetId as number)
    expect(back.dataset.stats).toMatchObject({ interactions: 75, skippedRows: 25 })
  })

  it('rejects malformed task parameters as invalid', async () => {
    const { reporter } = collectingReporter()
    const err = await taskError(runImportTask({ spec: { format: 'pairs-csv', file: { path: '' } } }, world.env, reporter))
    expect(err.jobError.code).toBe('invalid')
    expect(err.jobError.message).toMatch(/^Invalid import parameters: spec\.file\.path: a file path is required/)
  })

  it.each([
    ['a missing file', null, /^File not found: .*nope\.csv$/],
    ['an empty file', '', /^empty\.csv is empty/],
    ['a header without the mapped column', 'person,item\np,i\n', /^nocol\.csv has no column "user" .*Its columns are: "person", "item"/],
  ])('fails clearly on %s, before creating a dataset', async (_what, content, message) => {
    const name = content === null ? 'nope.csv' : content === '' ? 'empty.csv' : 'nocol.csv'
    const path = content === null ? `${world.dir}/${name}` : world.file(name, content)
    await expect(runImport(world, pairsSpec(path))).rejects.toThrow(message)
    await expect(previewImport(ImportSpec.parse(pairsSpec(path)))).rejects.toThrow(message)
    const db = world.open()
    expect(listDatasets(db)).toEqual([])
    db.close()
  })
})

describe('pairs-csv preview', () => {
  it('shows the header, the first 20 rows, the detected delimiter, bad rows of the head and suggestions', async () => {
    const lines = ['user|item|rating|timestamp']
    for (let i = 1; i <= 1500; i++) lines.push(i === 30 ? 'broken' : `u${i}|i${i % 7}|${i % 5}|${1000 + i}`)
    const path = world.file('big.psv', lines.join('\n'))
    const preview = await previewImport(ImportSpec.parse(pairsSpec(path)))
    expect(preview.columns).toEqual(['user', 'item', 'rating', 'timestamp'])
    expect(preview.delimiter).toBe('|')
    expect(preview.rows).toHaveLength(20)
    expect(preview.rows[0]).toEqual(['u1', 'i1', '1', '1001'])
    expect(preview.badRows).toMatchObject({ total: 1, first: [{ line: 31, text: 'broken' }] })
    expect(preview.suggested).toEqual({
      leftColumn: 'user',
      leftLabel: 'user',
      rightColumn: 'item',
      rightLabel: 'item',
      valueColumn: 'rating',
      timestampColumn: 'timestamp',
    })
    expect(preview.notes[0]).toMatch(/^Showing the first 20 of the first 1,000 lines scanned/)
  })

  it('says when it has seen the whole file', async () => {
    const path = world.file('small.csv', 'user,item\na,b\nc,d\n')
    const preview = await previewImport(ImportSpec.parse(pairsSpec(path)))
    expect(preview.rows).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
    expect(preview.notes[0]).toBe('Showing all 2 rows (the whole file).')
  })
})

describe('importTitle', () => {
  it.each([
    [null, 'Import books.csv'],
    ['books.csv', 'Import books.csv'],
    ['My books', 'Import books.csv as “My books”'],
  ])('name %j → %j', (name, title) => {
    expect(importTitle(ImportSpec.parse(pairsSpec('/x/books.csv')), name)).toBe(title)
  })

  it('names metadata joins', () => {
    const spec = ImportSpec.parse({ format: 'metadata', file: { path: '/x/meta.tsv' }, datasetId: 1, side: 'left', keyColumn: 'k' })
    expect(importTitle(spec, null)).toBe('Add metadata from meta.tsv')
  })
})
