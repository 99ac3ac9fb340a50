/**
 * Training: model hyper-parameters, run records, metrics — the schemas the
 * UI form is generated from and that every run is stored with.
 */
import { z } from 'zod'
import { Entity, Id, Side } from './schemas'
import { AutoRecParams, BiasBaselineParams, DeepMfParams, Evaluation, GlobalMeanParams, Item2vecParams, MfParams, RbmParams, UserKnnParams } from './ratings'

export const Optimizer = z.enum(['adam', 'adagrad', 'sgd'])
export type Optimizer = z.infer<typeof Optimizer>

/**
 * The entity-pair model (Koehrsen's book ↔ wikilink embeddings): two tables,
 * the cosine of a pair; classification = Dense(1, sigmoid) on the cosine with
 * binary cross-entropy, regression = labels ±1 with MSE on the cosine.
 * `.describe()` texts are the form's help lines.
 */
export const PairModelParams = z.object({
  model: z.literal('entity-pairs'),
  variant: z.enum(['classification', 'regression']).default('classification').describe('Classification: sigmoid on the cosine, cross-entropy. Regression: labels ±1, squared error on the cosine.'),
  dim: z.number().int().min(2).max(1024).default(50).describe('Embedding size of both tables.'),
  nPositive: z.number().int().min(1).max(65536).default(1024).describe('True pairs per batch.'),
  negativeRatio: z.number().int().min(0).max(50).default(2).describe('Random negative pairs per true pair.'),
  epochs: z.number().int().min(1).max(1000).default(15).describe('Passes over the true pairs.'),
  optimizer: Optimizer.default('adam').describe('Adam, Adagrad or plain SGD.'),
  learningRate: z.number().positive().max(10).default(0.001).describe('Step size of the optimizer.'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42).describe('Seeds initial weights and batches: the same seed repeats the run.'),
  initScale: z.number().positive().max(1).default(0.05).describe('Embeddings start uniform in ±scale (Keras: 0.05).'),
})
export type PairModelParams = z.infer<typeof PairModelParams>
export type PairModelParamsInput = z.input<typeof PairModelParams>

/** Every model a run can train: the entity-pair model and the rating models (shared/ratings.ts). */
export const ModelParams = z.discriminatedUnion('model', [
  PairModelParams,
  GlobalMeanParams,
  BiasBaselineParams,
  UserKnnParams,
  MfParams,
  DeepMfParams,
  AutoRecParams,
  RbmParams,
  Item2vecParams,
])
export type ModelParams = z.infer<typeof ModelParams>
export type ModelName = ModelParams['model']

export const EngineChoice = z.enum(['auto', 'sparse', 'tfjs'])
export type EngineChoice = z.infer<typeof EngineChoice>
export type EngineName = Exclude<EngineChoice, 'auto'>

export const RunConfig = z.object({
  datasetId: Id,
  params: ModelParams,
  engine: EngineChoice.default('auto'),
  /** Worker threads for the sparse engine; 0 = one per core. */
  threads: z.number().int().min(0).max(64).default(0),
  name: z.string().trim().max(200).nullable().default(null),
})
export type RunConfig = z.infer<typeof RunConfig>
export type RunConfigInput = z.input<typeof RunConfig>

export interface Preset {
  id: string
  label: string
  description: string
  params: PairModelParamsInput
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'tutorial',
    label: 'Tutorial defaults',
    description: "Koehrsen's settings: 50-d, 1,024 positives per batch, 2 negatives each, 15 epochs, Adam 0.001, classification.",
    params: { model: 'entity-pairs', variant: 'classification', dim: 50, nPositive: 1024, negativeRatio: 2, epochs: 15, optimizer: 'adam', learningRate: 0.001 },
  },
  {
    id: 'quick',
    label: 'Quick look',
    description: 'A few epochs with a faster learning rate, to see whether the data has structure.',
    params: { model: 'entity-pairs', variant: 'classification', dim: 32, nPositive: 512, negativeRatio: 2, epochs: 5, optimizer: 'adam', learningRate: 0.01 },
  },
  {
    id: 'regression',
    label: 'Tutorial, regression',
    description: 'The tutorial’s regression variant: labels ±1, squared error on the cosine.',
    params: { model: 'entity-pairs', variant: 'regression', dim: 50, nPositive: 1024, negativeRatio: 2, epochs: 15, optimizer: 'adam', learningRate: 0.001 },
  },
]

export const RunStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled'])
export type RunStatus = z.infer<typeof RunStatus>

export const EngineInfo = z.object({
  engine: z.enum(['sparse', 'tfjs']),
  /** tfjs: tensorflow-gpu, tensorflow, wasm, cpu; sparse: wasm-simd or js. */
  backend: z.string(),
  /** CPU model or GPU name. */
  device: z.string(),
  threads: z.number().int(),
  versions: z.record(z.string(), z.string()),
})
export type EngineInfo = z.infer<typeof EngineInfo>

export const Run = z.object({
  id: Id,
  datasetId: Id,
  datasetName: z.string(),
  name: z.string(),
  params: ModelParams,
  engineChoice: EngineChoice,
  /** Threads asked for (0 = one per core); `engine.threads` is what ran. */
  threads: z.number().int(),
  engine: EngineInfo.nullable(),
  status: RunStatus,
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** Seconds spent training (over all attempts). */
  durationSec: z.number(),
  epoch: z.number().int(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  stepsPerEpoch: z.number().int(),
  /** Mean loss / accuracy of the last finished epoch. */
  finalLoss: z.number().nullable(),
  finalAccuracy: z.number().nullable(),
  examplesPerSec: z.number().nullable(),
  /** The epoch of the last checkpoint; a stopped run resumes from it. */
  checkpointEpoch: z.number().int().nullable(),
  jobId: z.string().nullable(),
  /** Rating models: the evaluation on the run's split, once it has finished. */
  evaluation: Evaluation.nullable(),
  /** The run stored user/item (left/right) tables: it can be explored, mapped and exported. */
  hasEmbeddings: z.boolean(),
})
export type Run = z.infer<typeof Run>

/** Metric keys: batch_loss, batch_accuracy (per step), loss, accuracy (per-epoch means), examples_per_sec. */
export const MetricSeries = z.object({
  step: z.array(z.number()),
  epoch: z.array(z.number()),
  wall: z.array(z.number()),
  value: z.array(z.number()),
})
export type MetricSeries = z.infer<typeof MetricSeries>
export const RunMetrics = z.object({ runId: Id, series: z.record(z.string(), MetricSeries) })
export type RunMetrics = z.infer<typeof RunMetrics>

export const MetricPoint = z.object({ key: z.string(), step: z.number(), epoch: z.number(), wall: z.number(), value: z.number() })
export type MetricPoint = z.infer<typeof MetricPoint>

export const LiveProgress = z.object({
  runId: Id,
  epoch: z.number().int(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  elapsedSec: z.number(),
  etaSec: z.number().nullable(),
  examplesPerSec: z.number(),
  points: z.array(MetricPoint),
})
export type LiveProgress = z.infer<typeof LiveProgress>

export const EngineOption = z.object({
  engine: z.enum(['sparse', 'tfjs']),
  available: z.boolean(),
  backend: z.string(),
  reason: z.string(),
})
export const EngineOptions = z.object({
  options: z.array(EngineOption),
  auto: z.object({ engine: z.enum(['sparse', 'tfjs']), reason: z.string() }),
})
export type EngineOptions = z.infer<typeof EngineOptions>

export const NeighbourQuery = z
  .object({ runId: Id, side: Side, index: z.number().int().min(0), k: z.number().int().min(1).max(1000).default(10) })
  .strict()
export const Neighbours = z.object({
  query: Entity,
  items: z.array(z.object({ entity: Entity, score: z.number() })),
})
export type Neighbours = z.infer<typeof Neighbours>

/** Epochs a run's model trains for (null for models fitted in one pass: global mean, kNN). */
export function epochsOf(p: ModelParams): number | null {
  return 'epochs' in p ? p.epochs : null
}

/** A short line of a run's key hyper-parameters, for names and tables. */
export function paramsSummary(p: ModelParams): string {
  switch (p.model) {
    case 'entity-pairs':
      return `${p.variant} ${p.dim}-d ${p.optimizer} ${p.learningRate} · ${p.epochs} ep`
    case 'global-mean':
      return 'global mean'
    case 'bias-baseline':
      return `bias baseline · reg ${p.regUser}/${p.regItem}`
    case 'user-knn':
      return `user kNN · ${p.similarity} k ${p.k}${p.meanCentering ? ' centred' : ''}`
    case 'mf':
      return `MF ${p.dim}-d · lr ${p.learningRate} reg ${p.reg} · ${p.epochs} ep${p.search ? ' · search' : ''}`
    case 'deep-mf':
      return `deep MF ${p.dim}-d [${p.hidden}] ${p.activation} · ${p.epochs} ep`
    case 'autorec':
      return `${p.orientation === 'item' ? 'I' : 'U'}-AutoRec ${p.hidden} ${p.activation}${p.baseline === 'bias' ? ' on biases' : ''} · λ ${p.reg} · ${p.epochs} ep`
    case 'item2vec':
      return `item2vec ${p.dim}-d · window ${p.window || 'all'} · ${p.negatives} neg · ${p.epochs} ep · ${p.userVectors}`
    case 'rbm':
      return `RBM ${p.orientation}-based ${p.hidden} h · CD-${p.cdSteps} · ${p.epochs} ep`
  }
}
