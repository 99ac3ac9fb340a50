/**
 * Exploring a trained run: search, similar entities, an entity's record,
 * maps of the embedding space (projections), and exports.
 */
import { z } from 'zod'
import { Entity, Id, Side } from './schemas'

// ---------------------------------------------------------------- search and similarity

export const SearchQuery = z
  .object({
    datasetId: Id,
    side: Side,
    /** Case-insensitive; empty lists everything (by frequency). */
    query: z.string().default(''),
    mode: z.enum(['substring', 'regex']).default('substring'),
    /** Where to look: the label only, or label, key and every metadata value. */
    fields: z.enum(['label', 'all']).default('all'),
    limit: z.number().int().min(1).max(1000).default(50),
    offset: z.number().int().min(0).default(0),
  })
  .strict()
export type SearchQuery = z.infer<typeof SearchQuery>
export const SearchResult = z.object({ total: z.number().int(), items: z.array(Entity), tookMs: z.number() })
export type SearchResult = z.infer<typeof SearchResult>

export const Metric = z.enum(['cosine', 'euclidean'])
export type Metric = z.infer<typeof Metric>

export const SimilarQuery = z
  .object({
    runId: Id,
    side: Side,
    /** One entity, or several: "more like these" ranks by the mean of their (normalised, for cosine) vectors. */
    indices: z.array(z.number().int().min(0)).min(1).max(1000),
    k: z.number().int().min(1).max(1000).default(10),
    metric: Metric.default('cosine'),
    /** nearest: most similar first; farthest: least similar first. */
    direction: z.enum(['nearest', 'farthest']).default('nearest'),
    /** exact: brute force; approximate: the ANN index; auto: exact while it is fast. */
    method: z.enum(['auto', 'exact', 'approximate']).default('auto'),
  })
  .strict()
export type SimilarQuery = z.infer<typeof SimilarQuery>
export const SimilarResult = z.object({
  /** overlap: how many other-side entities the result shares with the query's (e.g. items two users both have; for several query entities, with their union). */
  items: z.array(z.object({ entity: Entity, score: z.number(), overlap: z.number().int() })),
  /** Other-side entities of the query (the union for several): the overlap's denominator. */
  queryLinks: z.number().int(),
  /** cosine similarity, or euclidean distance. */
  scoreName: z.enum(['cosine', 'distance']),
  method: z.enum(['exact', 'approximate']),
  tookMs: z.number(),
})
export type SimilarResult = z.infer<typeof SimilarResult>

export const EntityRecord = z.object({
  entity: Entity,
  side: Side,
  degree: z.number().int(),
  /** The entity's true links (the other side), most frequent first. */
  links: z.array(Entity),
  linksTotal: z.number().int(),
  /** Mean interaction value when the data has values (ratings). */
  meanValue: z.number().nullable(),
})
export type EntityRecord = z.infer<typeof EntityRecord>

// ---------------------------------------------------------------- maps

export const ProjectionMethod = z.enum(['pca', 'tsne', 'umap'])
export type ProjectionMethod = z.infer<typeof ProjectionMethod>

export const ProjectionParams = z.object({
  method: ProjectionMethod,
  dims: z.union([z.literal(2), z.literal(3)]).default(2),
  metric: z.enum(['cosine', 'euclidean']).default('cosine').describe('Distance between embeddings (t-SNE, UMAP).'),
  perplexity: z.number().min(2).max(200).default(30).describe('t-SNE: effective number of neighbours.'),
  iterations: z.number().int().min(50).max(5000).default(1000).describe('t-SNE / UMAP optimisation steps.'),
  nNeighbors: z.number().int().min(2).max(200).default(15).describe('UMAP: neighbourhood size.'),
  minDist: z.number().min(0).max(1).default(0.1).describe('UMAP: how tightly points pack.'),
  seed: z.number().int().min(0).default(42),
})
export type ProjectionParams = z.infer<typeof ProjectionParams>
export type ProjectionParamsInput = z.input<typeof ProjectionParams>

export const Projection = z.object({
  id: Id,
  runId: Id,
  side: Side,
  method: ProjectionMethod,
  params: ProjectionParams,
  dims: z.number().int(),
  rows: z.number().int(),
  createdAt: z.string(),
  seconds: z.number(),
})
export type Projection = z.infer<typeof Projection>

export const ProjectionData = z.object({
  projection: Projection,
  /** rows × dims, row-major. */
  coords: z.array(z.number()),
})
export type ProjectionData = z.infer<typeof ProjectionData>

/** Live layout while a map optimises: about once a second, coordinates included. */
export const ProjectionProgress = z.object({
  jobId: z.string(),
  runId: Id,
  side: Side,
  method: ProjectionMethod,
  iteration: z.number().int(),
  totalIterations: z.number().int(),
  dims: z.number().int(),
  coords: z.array(z.number()),
})
export type ProjectionProgress = z.infer<typeof ProjectionProgress>

// ---------------------------------------------------------------- export

export const ExportFormat = z.enum(['projector', 'word2vec', 'csv'])
export const ExportRequest = z
  .object({
    runId: Id,
    side: Side,
    format: ExportFormat.default('projector'),
    /** A folder on the machine that runs the workbench (created if missing). */
    folder: z.string().min(1, 'choose a folder'),
    /** Metadata columns to write (projector: metadata.tsv; csv: extra columns). 'label' and 'key' are columns too. */
    columns: z.array(z.string()).default(['label']),
    /** projector: also write tensors.bytes (float32 little-endian) with tensorShape. */
    tensorsBytes: z.boolean().default(false),
  })
  .strict()
export type ExportRequest = z.infer<typeof ExportRequest>

export const PROJECTOR_MAX_POINTS = 100_000
