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
import { MovieLensSpec, WikiBooksSpec, type ImportSpec } from '../../shared/schemas'
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

export async function runSamplesTask(_params: unknown, env: WorkerEnv, reporter: Reporter): Promise<Record<string, unknown>> {
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

      step('Generating the sample library')
      const booksPath = join(dir, 'sample-library.ndjson')
      const library = writeLibraryNdjson(booksPath, LIBRARY_SEED)
      const books = await importWikiBooks(
        db,
        WikiBooksSpec.parse({ format: 'wiki-books', file: { path: booksPath } }),
        run('Sample library (books ↔ links)', { sample: 'library', seed: LIBRARY_SEED, ...librarySummary(library) }),
      )

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
      setMeta(db, 'samples_added', new Date().toISOString())
      return { datasetIds: [books.datasetId, movies.datasetId] }
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
