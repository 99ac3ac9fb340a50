import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { getMeta, listDatasets } from '../store/datasets'
import { Random } from '../lib/random'
import {
  FACTOR_GENRES,
  generateLibrary,
  generateRatings,
  NOISE_SD,
  plantedRating,
  writeLibraryNdjson,
  writeMoviesCsv,
  writePairsCsv,
  writeRatingsCsv,
  writeRatingsFile,
} from './samples'
import { runSamplesTask } from './tasks'
import { collectingReporter, readBack, runImport, tempWorld, type TempWorld } from './testing'

let world: TempWorld
beforeEach(() => {
  world = tempWorld()
})
afterEach(() => world.cleanup())

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

describe('Random', () => {
  it('is deterministic per seed, uniform-ish and normal-ish', () => {
    const a = new Random(42)
    const b = new Random(42)
    const xs = Array.from({ length: 20_000 }, () => a.float())
    expect(Array.from({ length: 20_000 }, () => b.float())).toEqual(xs)
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(0.01)
    const zs = Array.from({ length: 20_000 }, () => a.normal())
    expect(Math.abs(mean(zs))).toBeLessThan(0.03)
    expect(Math.abs(mean(zs.map((z) => z * z)) - 1)).toBeLessThan(0.05)
  })
})

describe('sample library', () => {
  const library = generateLibrary()

  it('is deterministic: same seed, same bytes; another seed, another library', () => {
    const p1 = writeLibraryNdjson(world.file('a.ndjson', ''))
    const p2 = writeLibraryNdjson(world.file('b.ndjson', ''))
    expect(JSON.stringify(p1)).toBe(JSON.stringify(p2))
    expect(readFileSync(`${world.dir}/a.ndjson`).equals(readFileSync(`${world.dir}/b.ndjson`))).toBe(true)
    expect(generateLibrary(7).books[0]!.title).not.toBe(library.books[0]!.title)
  })

  it('has 8 genres × 300 books with unique titles, 20–40 links each, and a few Wikipedia: pages', () => {
    expect(library.genres).toHaveLength(8)
    expect(library.books).toHaveLength(8 * 300)
    for (const g of library.genres) expect(library.books.filter((b) => b.genre === g)).toHaveLength(300)
    expect(new Set(library.books.map((b) => b.title)).size).toBe(library.books.length)
    const counts = library.books.map((b) => b.links.length)
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(15)
    expect(Math.max(...counts)).toBeLessThanOrEqual(45)
    expect(mean(counts)).toBeGreaterThan(20)
    expect(mean(counts)).toBeLessThan(40)
    expect(library.entries.filter((e) => e.title.startsWith('Wikipedia:'))).toHaveLength(library.projectPages.length)
  })

  it('plants its structure: series share author and genre, authors write one genre, infoboxes say so', () => {
    const byTitle = new Map(library.books.map((b) => [b.title, b]))
    expect(library.series.length).toBeGreaterThan(50)
    for (const s of library.series) {
      expect(s.books.length).toBeGreaterThanOrEqual(2)
      expect(s.books.length).toBeLessThanOrEqual(7)
      for (const title of s.books) {
        const book = byTitle.get(title)!
        expect([book.author, book.genre, book.series, book.infobox.series]).toEqual([s.author, s.genre, s.name, s.name])
      }
    }
    const genreOf = new Map<string, string>()
    for (const b of library.books) {
      expect(genreOf.get(b.author) ?? b.genre).toBe(b.genre)
      genreOf.set(b.author, b.genre)
      expect(b.infobox).toMatchObject({ author: b.author, genre: b.genre, country: b.country, language: b.language, publisher: b.publisher })
    }
  })

  it('imports through the tutorial cleaning into books whose links cluster by genre', async () => {
    const path = world.file('library.ndjson', '')
    writeLibraryNdjson(path)
    const { result } = await runImport(world, { format: 'wiki-books', file: { path } })
    const back = readBack(world, result.datasetId as number)
    expect(back.left).toHaveLength(library.books.length)
    const links = new Set(back.right.map((l) => l.key))
    for (const generic of ['hardcover', 'paperback', 'wikipedia:wikiproject books']) expect(links.has(generic)).toBe(false)
    const cleaning = back.dataset.options.cleaning as Record<string, { distinct: number } | number>
    expect(cleaning.booksDroppedByTitle).toBe(library.projectPages.length)
    expect((cleaning.rareLinksDropped as { distinct: number }).distinct).toBeGreaterThan(1000)

    // Mean Jaccard overlap of kept links: same genre ≫ different genres.
    const linkSets = back.left.map(() => new Set<number>())
    back.interactions.left.forEach((l, i) => linkSets[l]!.add(back.interactions.right[i]!))
    const genre = back.left.map((b) => b.metadata.genre)
    const jaccard = (a: Set<number>, b: Set<number>) => [...a].filter((x) => b.has(x)).length / new Set([...a, ...b]).size
    const rng = new Random(3)
    const same: number[] = []
    const different: number[] = []
    while (same.length < 300 || different.length < 300) {
      const i = rng.int(back.left.length)
      const j = rng.int(back.left.length)
      if (i !== j) (genre[i] === genre[j] ? same : different).push(jaccard(linkSets[i]!, linkSets[j]!))
    }
    expect(mean(same)).toBeGreaterThan(2 * mean(different))
  })
})

describe('sample ratings', () => {
  const sample = generateRatings()

  it('is deterministic', () => {
    expect(JSON.stringify(generateRatings())).toBe(JSON.stringify(sample))
    expect(generateRatings(1).ratings[0]).not.toEqual(sample.ratings[0])
  })

  it('plants r = μ + b_u + b_i + p_u·q_i + ε with ε ~ N(0, σ²), unrounded, so the best RMSE is σ', () => {
    const users = new Set(sample.ratings.map((r) => r.user))
    expect(users.size).toBe(1000)
    expect(sample.movies).toHaveLength(600)
    expect(sample.ratings.length / users.size).toBeGreaterThan(40)
    expect(sample.ratings.length / users.size).toBeLessThan(60)
    const residuals = sample.ratings.map((r) => r.rating - plantedRating(sample, r.user, r.movie))
    expect(Math.abs(mean(residuals))).toBeLessThan(0.01)
    expect(Math.abs(Math.sqrt(mean(residuals.map((e) => e * e))) - NOISE_SD)).toBeLessThan(0.01)
    expect(sample.ratings.filter((r) => Math.round(r.rating * 2) !== r.rating * 2).length).toBeGreaterThan(sample.ratings.length / 2)
  })

  it('gives movies titles with years and genres from their primary factor; timestamps increase per user', () => {
    for (const m of sample.movies) {
      expect(m.title).toMatch(/ \(\d{4}\)$/)
      expect(m.genres).toContain(FACTOR_GENRES[m.primaryFactor]![0])
    }
    const backwards = sample.ratings.filter((b, i) => i > 0 && sample.ratings[i - 1]!.user === b.user && b.timestamp <= sample.ratings[i - 1]!.timestamp)
    expect(backwards).toEqual([])
  })

  it('round-trips through ratings.csv + movies.csv', async () => {
    const ratings = world.file('ratings.csv', '')
    const movies = world.file('movies.csv', '')
    writeRatingsCsv(ratings, sample)
    writeMoviesCsv(movies, sample)
    const { result } = await runImport(world, { format: 'movielens', file: { path: ratings }, itemsFile: { path: movies } })
    const back = readBack(world, result.datasetId as number)
    expect(back.dataset.stats!.interactions).toBe(sample.ratings.length)
    const title = new Map(sample.movies.map((m) => [String(m.id), m.title]))
    for (const m of back.right) expect(m.label).toBe(title.get(m.key))
    expect(back.right.some((m) => m.label.includes(','))).toBe(true)
    const worst = Math.max(...Array.from(back.interactions.value!, (v, i) => Math.abs(v - sample.ratings[i]!.rating)))
    expect(worst).toBeLessThan(1e-3) // float32 storage of 3-decimal values
  })
})

describe('samples task', () => {
  it('adds both samples through the real importers, with their planted parameters in the options', async () => {
    const { reporter } = collectingReporter()
    const result = await runSamplesTask({}, world.env, reporter)
    const db = world.open()
    try {
      const datasets = listDatasets(db)
      expect(result).toEqual({ datasetIds: datasets.map((d) => d.id) })
      expect(datasets.map((d) => [d.format, d.status, d.kind])).toEqual([
        ['wiki-books', 'ready', 'pairs'],
        ['movielens', 'ready', 'ratings'],
      ])
      expect(datasets[0]!.options).toMatchObject({ sample: 'library', books: 2400 })
      expect(datasets[1]!.options).toMatchObject({ sample: 'ratings', noiseSd: NOISE_SD, factors: 5 })
      expect(datasets[1]!.stats!.interactions).toBe(generateRatings().ratings.length)
      expect(Date.parse(getMeta(db, 'samples_added')!)).not.toBeNaN()
    } finally {
      db.close()
    }
  })
})

describe('benchmark files', () => {
  it('writes a deterministic pair list with ~rows/20 keys a side, popular keys first', async () => {
    const a = world.file('a.csv', '')
    const keys = writePairsCsv(a, 20_000)
    writePairsCsv(world.file('b.csv', ''), 20_000)
    expect(readFileSync(a).equals(readFileSync(`${world.dir}/b.csv`))).toBe(true)
    expect(keys).toEqual({ leftKeys: 1000, rightKeys: 1000 })
    const { result } = await runImport(world, { format: 'pairs-csv', file: { path: a }, leftColumn: 'left', rightColumn: 'right' })
    const stats = readBack(world, result.datasetId as number).dataset.stats!
    expect(stats.interactions).toBe(20_000)
    expect(stats.left.count).toBeLessThanOrEqual(1000)
    expect(stats.right.degree.max).toBeGreaterThan(5 * stats.right.degree.mean)
  })

  it.each(['u.data', 'ratings.csv'] as const)('writes a MovieLens-shaped %s', async (variant) => {
    const path = world.file(variant, '')
    writeRatingsFile(path, 5000, variant)
    const { result } = await runImport(world, { format: 'movielens', file: { path } })
    const back = readBack(world, result.datasetId as number)
    expect(back.dataset.options.detectedVariant).toBe(variant)
    expect(back.dataset.stats!.interactions).toBe(5000)
  })
})
