/**
 * Runtime schemas (zod) for everything that crosses a process boundary.
 * Pure TypeScript: no electron, node or vue imports (see eslint layering rule).
 */
import { z } from 'zod'

export const Id = z.number().int().positive()
export const Side = z.enum(['left', 'right'])
export type Side = z.infer<typeof Side>

// ---------------------------------------------------------------- datasets

export const DatasetKind = z.enum(['pairs', 'ratings'])
export type DatasetKind = z.infer<typeof DatasetKind>
export const DatasetStatus = z.enum(['importing', 'ready', 'failed'])
export type DatasetStatus = z.infer<typeof DatasetStatus>

export const DegreeBin = z.object({ from: z.number(), to: z.number(), count: z.number() })
export const SideStats = z.object({
  /** Human name of the side ("books", "links", "users", "movies"). */
  label: z.string(),
  count: z.number(),
  degree: z.object({
    min: z.number(),
    max: z.number(),
    mean: z.number(),
    median: z.number(),
    /** Log-2 bins: [1,1], [2,3], [4,7], ... */
    histogram: z.array(DegreeBin),
  }),
  metadataColumns: z.array(z.string()),
})
export const TopEntity = z.object({ key: z.string(), label: z.string(), count: z.number() })
export const DatasetStats = z.object({
  interactions: z.number(),
  distinctPairs: z.number(),
  /** distinctPairs / (left.count * right.count) */
  density: z.number(),
  left: SideStats,
  right: SideStats,
  /** Most linked right-side entities (the tutorial's "most linked" chart). */
  topRight: z.array(TopEntity),
  topLeft: z.array(TopEntity),
  values: z.object({ min: z.number(), max: z.number(), mean: z.number() }).nullable(),
  skippedRows: z.number(),
})
export type DatasetStats = z.infer<typeof DatasetStats>

export const Dataset = z.object({
  id: Id,
  name: z.string(),
  kind: DatasetKind,
  format: z.string(),
  source: z.string(),
  status: DatasetStatus,
  error: z.string().nullable(),
  createdAt: z.string(),
  leftLabel: z.string(),
  rightLabel: z.string(),
  stats: DatasetStats.nullable(),
  /** Options the import ran with (cleaning steps, column mapping, ...). */
  options: z.record(z.string(), z.unknown()),
})
export type Dataset = z.infer<typeof Dataset>

export const Entity = z.object({
  index: z.number().int(),
  key: z.string(),
  label: z.string(),
  frequency: z.number().int(),
  metadata: z.record(z.string(), z.string()),
})
export type Entity = z.infer<typeof Entity>

// ---------------------------------------------------------------- imports

export const FileRef = z.object({ path: z.string().min(1, 'a file path is required') })
export type FileRef = z.infer<typeof FileRef>

export const Delimiter = z.enum(['auto', ',', '\t', ';', '|'])
export type Delimiter = z.infer<typeof Delimiter>

export const PairsCsvSpec = z.object({
  format: z.literal('pairs-csv'),
  file: FileRef,
  delimiter: Delimiter.default('auto'),
  leftColumn: z.string().min(1, 'choose the column of the left side'),
  rightColumn: z.string().min(1, 'choose the column of the right side'),
  valueColumn: z.string().nullable().default(null),
  timestampColumn: z.string().nullable().default(null),
  leftLabel: z.string().min(1).default('left'),
  rightLabel: z.string().min(1).default('right'),
})

/** Links the tutorial drops because nearly every book has them. */
export const GENERIC_LINKS = [
  'hardcover',
  'paperback',
  'hardback',
  'e-book',
  'wikipedia:wikiproject books',
  'wikipedia:wikiproject novels',
]

export const WikiBooksSpec = z.object({
  format: z.literal('wiki-books'),
  file: FileRef,
  dropTitlesContaining: z.array(z.string()).default(['Wikipedia:']),
  lowercaseLinks: z.boolean().default(true),
  dropLinks: z.array(z.string()).default(GENERIC_LINKS),
  minLinkCount: z.number().int().min(1).default(4),
})

export const MovieLensVariant = z.enum(['auto', 'u.data', 'ratings.csv', 'ratings.dat'])
export const MovieLensSpec = z.object({
  format: z.literal('movielens'),
  file: FileRef,
  variant: MovieLensVariant.default('auto'),
  /** u.item (latin-1, `|`-separated) or movies.csv (movieId,title,genres). */
  itemsFile: FileRef.nullable().default(null),
  testPath: z.string().nullable().default(null).describe('Optional test file of a predefined split, e.g. u1.test; the main file is then the training part'),
})

export const MetadataSpec = z.object({
  format: z.literal('metadata'),
  file: FileRef,
  datasetId: Id,
  side: Side,
  delimiter: Delimiter.default('auto'),
  keyColumn: z.string().min(1, 'choose the key column'),
  /** Columns to keep; null keeps all but the key. */
  columns: z.array(z.string()).nullable().default(null),
  /** Column used as the entity's display label, if any. */
  labelColumn: z.string().nullable().default(null),
})

export const ImportSpec = z.discriminatedUnion('format', [PairsCsvSpec, WikiBooksSpec, MovieLensSpec, MetadataSpec])
export type ImportSpec = z.infer<typeof ImportSpec>
export type ImportSpecInput = z.input<typeof ImportSpec>
export type ImportFormat = ImportSpec['format']

/**
 * What a preview accepts: an import spec whose column choices may still be
 * empty — the preview then reads the header and suggests them.
 */
export const PreviewSpec = z.discriminatedUnion('format', [
  PairsCsvSpec.extend({ leftColumn: z.string().default(''), rightColumn: z.string().default('') }),
  WikiBooksSpec,
  MovieLensSpec,
  MetadataSpec.extend({ keyColumn: z.string().default('') }),
])
export type PreviewSpec = z.infer<typeof PreviewSpec>

export const BadRow = z.object({ line: z.number().int(), message: z.string(), text: z.string() })
export type BadRow = z.infer<typeof BadRow>
export const BadRowReport = z.object({
  /** Every bad row counted. */
  total: z.number().int(),
  /** The first 20, with file line numbers. */
  first: z.array(BadRow),
  file: z.string(),
})
export type BadRowReport = z.infer<typeof BadRowReport>

export const ImportPreview = z.object({
  format: z.string(),
  /** Header of a delimited file, or the fields shown for other formats. */
  columns: z.array(z.string()),
  rows: z.array(z.array(z.string())),
  delimiter: z.string().nullable(),
  variant: z.string().nullable(),
  badRows: BadRowReport,
  /** Suggestions derived from the file (column mapping, labels). */
  suggested: z.record(z.string(), z.string()),
  notes: z.array(z.string()),
})
export type ImportPreview = z.infer<typeof ImportPreview>

export const BadRowPolicy = z.enum(['abort', 'skip'])
export type BadRowPolicy = z.infer<typeof BadRowPolicy>

// ---------------------------------------------------------------- jobs

export const JobKind = z.enum(['import', 'samples', 'train', 'project', 'export', 'diagnostic'])
export type JobKind = z.infer<typeof JobKind>
export const JobStatus = z.enum(['running', 'succeeded', 'failed', 'cancelled'])
export type JobStatus = z.infer<typeof JobStatus>
export const JobProgress = z.object({
  done: z.number(),
  total: z.number().nullable(),
  unit: z.enum(['bytes', 'rows', 'steps']),
  message: z.string(),
})
export type JobProgress = z.infer<typeof JobProgress>
export const JobError = z.object({
  message: z.string(),
  code: z.enum(['bad_rows', 'crashed', 'failed', 'invalid']),
  badRows: BadRowReport.nullable(),
})
export type JobError = z.infer<typeof JobError>
export const Job = z.object({
  id: z.string(),
  kind: JobKind,
  title: z.string(),
  status: JobStatus,
  progress: JobProgress,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: JobError.nullable(),
  /** Task-specific result, e.g. `{ datasetId }` for an import. */
  result: z.record(z.string(), z.unknown()).nullable(),
})
export type Job = z.infer<typeof Job>

// ---------------------------------------------------------------- app

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  dataDir: z.string(),
  databasePath: z.string(),
  runtime: z.enum(['electron', 'node']),
  versions: z.record(z.string(), z.string()),
})
export type AppInfo = z.infer<typeof AppInfo>
