/**
 * The worker tasks of the data layer: `import` (one file, any format) and
 * `samples` (the two generated sample datasets, imported through the same
 * importers so the real path is exercised). Each opens its own connection to
 * the database and closes it, whatever happens.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { methods } from '../../shared/api'
import { z } from 'zod'
import { MovieLensSpec, WikiBooksSpec, type Dataset, type ImportSpec } from '../../shared/schemas'
import type { WorkerEnv } from '../jobs/protocol'
import { TaskError, type Reporter } from '../jobs/reporter'
import { openDatabase, type Db } from '../store/db'
import { setMeta } from '../store/datasets'
import type { ImportRun } from './importer'
import { importMetadata } from './metadata'
import { importMovieLens } from './movielens'
import { importPairsCsv } from './pairs'
import { LIBRARY_SEED, RATINGS_SEED, generateRatings, librarySummary, writeLibraryNdjson, writeMoviesCsv, writeRatingsCsv } from './samples'
import { importWikiBooks } from './wiki'

function withDb<T>(env: WorkerEnv, work: (db: Db) => Promise<T>): Promise<T> {
  const db = openDatabase(env.dbPath, env.nativeBinding ? { nativeBinding: env.nativeBinding } : {})
  return work(db).finally(() => db.close())
}

/** Run one import spec; the dataset-creating formats return `{ datasetId }`. */
export function importFile(db: Db, spec: ImportSpec, run: ImportRun): Promise<Record<string, unknown>> {
  switch (spec.format) {
    case 'pairs-csv':
      return importPairsCsv(db, spec, run)
    case 'wiki-books':
      return importWikiBooks(db, spec, run)
    case 'movielens':
      return importMovieLens(db, spec, run)
    case 'metadata':
      return importMetadata(db, spec, run)
  }
}

export async function runImportTask(params: unknown, env: WorkerEnv, reporter: Reporter): Promise<Record<string, unknown>> {
  const parsed = methods.startImport.input.safeParse(params)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
    throw new TaskError({ code: 'invalid', message: `Invalid import parameters: ${issues}`, badRows: null })
  }
  const p = parsed.data
  return withDb(env, (db) => importFile(db, p.spec, { reporter, policy: p.badRows, name: p.name }))
}

export const SAMPLE_NAMES = ['library', 'ratings'] as const
export type SampleName = (typeof SAMPLE_NAMES)[number]
const SamplesParams = z.object({ only: z.array(z.enum(SAMPLE_NAMES)).default([...SAMPLE_NAMES]) })

/** The samples of the store that are there and ready (by the `sample` option they were imported with). */
export function presentSamples(datasets: readonly Dataset[]): Set<string> {
  return new Set(datasets.filter((d) => d.status === 'ready' && typeof d.options.sample === 'string').map((d) => d.options.sample as string))
}

export async function runSamplesTask(params: unknown, env: WorkerEnv, reporter: Reporter): Promise<Record<string, unknown>> {
  const { only } = SamplesParams.parse(params ?? {})
  const dir = mkdtempSync(join(tmpdir(), 'ew-samples-'))
  try {
    return await withDb(env, async (db) => {
      const run = (name: string, extraOptions: Record<string, unknown>): ImportRun => ({
        reporter,
        policy: 'abort',
        name,
        extraOptions,
        source: `Generated sample (${extraOptions.sample}, seed ${extraOptions.seed})`,
      })
      const step = (message: string) => reporter.progress({ done: 0, total: null, unit: 'steps', message }, true)

      const datasetIds: number[] = []
      if (only.includes('library')) {
        step('Generating the sample library')
        const booksPath = join(dir, 'sample-library.ndjson')
        const library = writeLibraryNdjson(booksPath, LIBRARY_SEED)
        const books = await importWikiBooks(
          db,
          WikiBooksSpec.parse({ format: 'wiki-books', file: { path: booksPath } }),
          run('Sample library (books ↔ links)', { sample: 'library', seed: LIBRARY_SEED, ...librarySummary(library) }),
        )
        datasetIds.push(books.datasetId)
      }
      if (!only.includes('ratings')) {
        setMeta(db, 'samples_added', new Date().toISOString())
        return { datasetIds }
      }

      step('Generating the sample ratings')
      const ratingsPath = join(dir, 'ratings.csv')
      const moviesPath = join(dir, 'movies.csv')
      const ratings = generateRatings(RATINGS_SEED)
      writeRatingsCsv(ratingsPath, ratings)
      writeMoviesCsv(moviesPath, ratings)
      const movies = await importMovieLens(
        db,
        MovieLensSpec.parse({ format: 'movielens', file: { path: ratingsPath }, itemsFile: { path: moviesPath } }),
        run('Sample ratings (users × movies)', {
          sample: 'ratings',
          seed: RATINGS_SEED,
          noiseSd: ratings.noiseSd,
          factors: ratings.factors,
          globalMean: ratings.globalMean,
        }),
      )
      datasetIds.push(movies.datasetId)
      setMeta(db, 'samples_added', new Date().toISOString())
      return { datasetIds }
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
