import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ImportSpec } from '../../shared/schemas'
import { detectItemsVariant, detectRatingsVariant, GENRES } from './movielens'
import { previewImport } from './preview'
import { keyPairs, readBack, runImport, taskError, tempWorld, type TempWorld } from './testing'

let world: TempWorld
beforeEach(() => {
  world = tempWorld()
})
afterEach(() => world.cleanup())

const flags = (genres: string[]) => GENRES.map((g) => (genres.includes(g) ? '1' : '0')).join('|')
const uItem = (id: number, title: string, genres: string[]) => `${id}|${title}|01-Jan-1995||http://us.imdb.com/M/title-exact?x|${flags(genres)}`

const U_DATA = ['196\t242\t3\t881250949', '186\t302\t3\t891717742', '196\t302\t4.5\t881251000', '22\t999\t1\t878887116', '22\t500\t5\t878887117'].join('\n')
const U_ITEM = [
  uItem(242, 'Kolya (1996)', ['Comedy']),
  uItem(302, 'L.A. Confidential (1997)', ['Crime', 'Film-Noir', 'Mystery', 'Thriller']),
  uItem(1, 'Toy Story (1995)', ['Animation', "Children's", 'Comedy']),
  uItem(500, 'Café au lait (1993)', ['Comedy']),
].join('\n')

const mlSpec = (path: string, itemsPath: string | null = null, extra: Record<string, unknown> = {}) => ({
  format: 'movielens' as const,
  file: { path },
  itemsFile: itemsPath ? { path: itemsPath } : null,
  ...extra,
})

describe('movielens import', () => {
  it('reads u.data with a latin-1 u.item: titles, genres from flags, years; only rated movies are entities', async () => {
    const data = world.file('u.data', U_DATA)
    const item = world.file('u.item', Buffer.from(U_ITEM, 'latin1'))
    expect(Buffer.from(U_ITEM, 'latin1').includes(0xe9)).toBe(true) // "é" is the single byte 0xE9
    const { result } = await runImport(world, mlSpec(data, item))
    const back = readBack(world, result.datasetId as number)

    expect(back.dataset).toMatchObject({ kind: 'ratings', format: 'movielens', leftLabel: 'users', rightLabel: 'movies' })
    expect(back.left.map((u) => [u.key, u.frequency])).toEqual([
      ['196', 2],
      ['186', 1],
      ['22', 2],
    ])
    expect(back.right.map((m) => [m.key, m.label])).toEqual([
      ['242', 'Kolya (1996)'],
      ['302', 'L.A. Confidential (1997)'],
      ['999', '999'],
      ['500', 'Café au lait (1993)'],
    ])
    expect(back.right[1]!.metadata).toEqual({ title: 'L.A. Confidential (1997)', genres: 'Crime|Film-Noir|Mystery|Thriller', year: '1997' })
    expect(back.right[2]!.metadata).toEqual({})
    expect(Array.from(back.interactions.value!)).toEqual([3, 3, 4.5, 1, 5])
    expect(Array.from(back.interactions.ts!)).toEqual([881250949, 891717742, 881251000, 878887116, 878887117])
    expect(back.dataset.options).toMatchObject({
      detectedVariant: 'u.data',
      itemsVariant: 'u.item',
      itemsListed: 4,
      itemsNeverRated: 1,
      ratedItemsWithoutTitle: 1,
    })
    expect(back.dataset.stats!.right.metadataColumns).toEqual(['title', 'genres', 'year'])
  })

  it('reads ratings.csv with movies.csv (header, quoted titles with commas, | genres)', async () => {
    const ratings = world.file('ratings.csv', 'userId,movieId,rating,timestamp\n1,11,4.0,964982703\n1,2,3.5,964981247\n2,11,2.5,964982224\n')
    const movies = world.file(
      'movies.csv',
      'movieId,title,genres\n2,Jumanji (1995),Adventure|Children|Fantasy\n11,"American President, The (1995)",Comedy|Drama|Romance\n',
    )
    const { result } = await runImport(world, mlSpec(ratings, movies))
    const back = readBack(world, result.datasetId as number)
    expect(keyPairs(back)).toEqual([
      ['1', '11'],
      ['1', '2'],
      ['2', '11'],
    ])
    expect(back.right[0]).toMatchObject({
      label: 'American President, The (1995)',
      metadata: { title: 'American President, The (1995)', genres: 'Comedy|Drama|Romance', year: '1995' },
    })
    expect(back.dataset.options).toMatchObject({ detectedVariant: 'ratings.csv', itemsVariant: 'movies.csv' })
  })

  it('reads ratings.dat with a latin-1 movies.dat, whatever the files are called', async () => {
    const ratings = world.file('r.txt', '1::1193::5::978300760\n2::3::4::978302109\n')
    const movies = world.file('m.txt', Buffer.from("1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n3::Grumpier Old Men (1995)::Comedy|Romance\n9::Pokémon::Animation\n", 'latin1'))
    const { result } = await runImport(world, mlSpec(ratings, movies))
    const back = readBack(world, result.datasetId as number)
    expect(back.right.map((m) => m.label)).toEqual(["One Flew Over the Cuckoo's Nest (1975)", 'Grumpier Old Men (1995)'])
    expect(back.right[1]!.metadata).toEqual({ title: 'Grumpier Old Men (1995)', genres: 'Comedy|Romance', year: '1995' })
    expect(back.dataset.options).toMatchObject({ detectedVariant: 'ratings.dat', itemsVariant: 'movies.dat', itemsNeverRated: 1 })
  })

  it('counts bad rating rows and names the items file when it has bad rows', async () => {
    const data = world.file('u.data', `${U_DATA}\n1\t2\tfive\t3\n1\t2\t3\n`)
    const err = await taskError(runImport(world, mlSpec(data)))
    expect(err.jobError.badRows!.first).toEqual([
      { line: 6, message: 'expected a number in column "rating", found "five"', text: '1\t2\tfive\t3' },
      { line: 7, message: 'expected 4 fields (user, item, rating, timestamp), found 3', text: '1\t2\t3' },
    ])

    const item = world.file('u.item', `${U_ITEM}\n7|Short row\n${uItem(242, 'Kolya again', [])}`)
    const itemsErr = await taskError(runImport(world, mlSpec(world.file('ok.data', U_DATA), item)))
    expect(itemsErr.jobError.message).toMatch(/^u\.item: 2 bad rows \(first at line 5: expected 24 fields \(id, title, release date, video release date, IMDb URL, …\), found 2\)$/)
    expect(itemsErr.jobError.badRows!.first[1]).toMatchObject({ line: 6, message: 'expected a unique movie id, found id 242 of line 1 again' })

    const skipped = await runImport(world, mlSpec(data, item), { badRows: 'skip' })
    const back = readBack(world, skipped.result.datasetId as number)
    expect(back.dataset.stats).toMatchObject({ interactions: 5, skippedRows: 2 + 2 })
    expect(back.dataset.options.itemsBadRows).toMatchObject({ total: 2, file: item })
    expect(back.right[0]!.label).toBe('Kolya (1996)')
  })
})

describe('movielens predefined split (u1.base + u1.test)', () => {
  const U1_BASE = ['1\t10\t5\t100', '1\t20\t3\t101', '2\t10\t4\t102'].join('\n')
  const U1_TEST = ['2\t20\t1\t104', '3\t30\t5\t105', '1\t30\t2\t106'].join('\n')

  it('appends the test file after the training file and records the boundary', async () => {
    const base = world.file('u1.base', U1_BASE)
    const test = world.file('u1.test', U1_TEST)
    const { result } = await runImport(world, mlSpec(base, null, { testPath: test }))
    const back = readBack(world, result.datasetId as number)
    expect(keyPairs(back)).toEqual([
      ['1', '10'],
      ['1', '20'],
      ['2', '10'],
      ['2', '20'],
      ['3', '30'], // user 3 and movie 30 appear only in the test file: entities like any other
      ['1', '30'],
    ])
    expect(Array.from(back.interactions.value!)).toEqual([5, 3, 4, 1, 5, 2])
    expect(back.left.map((u) => u.key)).toEqual(['1', '2', '3'])
    expect(back.right.map((m) => m.key)).toEqual(['10', '20', '30'])
    expect(back.dataset.options).toMatchObject({
      testPath: test,
      predefinedSplit: { trainRows: 3, testRows: 3, testFile: 'u1.test' },
      testVariant: 'u.data',
    })
    expect(back.dataset.stats).toMatchObject({ interactions: 6 })
  })

  it('reads a ratings.csv test file with its own header', async () => {
    const base = world.file('train.csv', 'userId,movieId,rating,timestamp\n1,11,4.0,1\n')
    const test = world.file('test.csv', 'userId,movieId,rating,timestamp\n2,11,2.5,2\n')
    const { result } = await runImport(world, mlSpec(base, null, { testPath: test }))
    const back = readBack(world, result.datasetId as number)
    expect(keyPairs(back)).toEqual([
      ['1', '11'],
      ['2', '11'],
    ])
    expect(back.dataset.options.predefinedSplit).toEqual({ trainRows: 1, testRows: 1, testFile: 'test.csv' })
  })

  it("reports a bad line of the test file with the test file's name and line", async () => {
    const base = world.file('u1.base', U1_BASE)
    const test = world.file('u1.test', `${U1_TEST}\n4\t40\tfive\t107\n`)
    const err = await taskError(runImport(world, mlSpec(base, null, { testPath: test })))
    expect(err.jobError.message).toBe('u1.test: 1 bad row (first at line 4: expected a number in column "rating", found "five")')
    expect(err.jobError.badRows).toMatchObject({ total: 1, file: test, first: [{ line: 4, text: '4\t40\tfive\t107' }] })

    const skipped = await runImport(world, mlSpec(base, null, { testPath: test }), { badRows: 'skip' })
    const back = readBack(world, skipped.result.datasetId as number)
    expect(back.dataset.stats).toMatchObject({ interactions: 6, skippedRows: 1 })
    expect(back.dataset.options).toMatchObject({ predefinedSplit: { trainRows: 3, testRows: 3 }, testBadRows: { total: 1, file: test } })
  })

  it('previews with a note on the test file', async () => {
    const base = world.file('u1.base', U1_BASE)
    const test = world.file('u1.test', U1_TEST)
    const preview = await previewImport(ImportSpec.parse(mlSpec(base, null, { testPath: test })))
    expect(preview.notes.join('\n')).toMatch(/Test file u1\.test \(predefined split; u1\.base is the training part\): u\.data, 3 ratings in the whole file\./)
  })
})

describe('movielens variants and preview', () => {
  it.each([
    ['u.data', '196\t242\t3\t881250949', 'u.data'],
    ['ratings.csv', 'userId,movieId,rating,timestamp', 'ratings.csv'],
    ['ratings.dat', '1::1193::5::978300760', 'ratings.dat'],
    ['x.csv', '', 'ratings.csv'],
  ] as const)('%s starting %j is %s', (name, first, variant) => {
    expect(detectRatingsVariant(`/d/${name}`, first)).toBe(variant)
  })

  it.each([
    ['u.item', '1|Toy Story (1995)|01-Jan-1995||http://x|0|0', 'u.item'],
    ['movies.csv', 'movieId,title,genres', 'movies.csv'],
    ['movies.dat', '1::Toy Story (1995)::Animation', 'movies.dat'],
  ] as const)('items file %s is %s', (name, first, variant) => {
    expect(detectItemsVariant(`/d/${name}`, first)).toBe(variant)
  })

  it('previews the ratings with the detected variant and a note on the items file', async () => {
    const data = world.file('u.data', U_DATA)
    const item = world.file('u.item', Buffer.from(U_ITEM, 'latin1'))
    const preview = await previewImport(ImportSpec.parse(mlSpec(data, item)))
    expect(preview).toMatchObject({ columns: ['user', 'item', 'rating', 'timestamp'], delimiter: '\t', variant: 'u.data' })
    expect(preview.rows[0]).toEqual(['196', '242', '3', '881250949'])
    expect(preview.notes.join('\n')).toMatch(/Items file u\.item: u\.item \(latin-1\), 4 titles .*e\.g\. "Kolya \(1996\)"/)
    expect(preview.suggested).toEqual({ leftLabel: 'users', rightLabel: 'movies' })
  })
})
