/**
 * Rating models in the renderer: the train form's model choices, engines and
 * presets per model, how the form's fields are grouped, and the comparison
 * table's sorting and seed-spread summary. Pure functions: no Vue.
 */
import {
  AutoRecParams,
  BiasBaselineParams,
  DeepMfParams,
  EVALUATION_METRICS,
  GlobalMeanParams,
  isRatingModel,
  Item2vecParams,
  MfParams,
  predictsRatings,
  RATING_MODEL_LABELS,
  RbmParams,
  ratingEngines,
  UserKnnParams,
  type ComparisonRow,
  type EvaluationMetricKey,
  type RatingModelName,
} from '../../../shared/ratings'
import { PairModelParams, type ModelName, type ModelParams } from '../../../shared/train'
import type { Dataset } from '../../../shared/schemas'

export type EngineName = 'sparse' | 'tfjs'

export interface ModelChoice {
  value: ModelName
  label: string
  blurb: string
}

export const PAIR_MODEL: ModelChoice = {
  value: 'entity-pairs',
  label: 'Entity pairs (book ↔ link)',
  blurb: 'Two embedding tables, the cosine of each (left, right) pair, trained to tell true pairs from random ones (Koehrsen’s book recommender).',
}

const RATING_BLURBS: Record<RatingModelName, string> = {
  'global-mean': 'Predicts every rating as the mean of the training ratings: the floor any model must beat.',
  'bias-baseline': 'r̂ = μ + b_u + b_i: how generous each user is and how liked each item is, fitted by alternating least squares.',
  'user-knn': 'Predicts from the ratings of the k most similar users who rated the item (cosine or Pearson, shrunk by support).',
  mf: 'Matrix factorisation (Funk SVD): biases plus the dot product of user and item factors, trained by SGD.',
  'deep-mf': 'User and item embeddings concatenated and fed through a small neural network (NCF style).',
  autorec: 'An autoencoder that reconstructs each item’s (or user’s) rating vector; the loss is on observed ratings only.',
  rbm: 'A restricted Boltzmann machine over softmax rating units, trained by contrastive divergence (Salakhutdinov et al.).',
  item2vec: 'word2vec skip-gram over each user’s items in time order; users are the (SIF-weighted) mean of their items. Ranks items; predicts no ratings.',
}

export const RATING_MODEL_CHOICES: ModelChoice[] = (Object.keys(RATING_MODEL_LABELS) as RatingModelName[]).map((m) => ({
  value: m,
  label: RATING_MODEL_LABELS[m],
  blurb: RATING_BLURBS[m],
}))

/**
 * The models a dataset can train: rating models on ratings; the pair model on
 * pairs, plus the rating models when the pair list has a value column.
 */
export function modelChoicesFor(dataset: Pick<Dataset, 'kind' | 'stats'> | null): ModelChoice[] {
  if (!dataset) return [PAIR_MODEL]
  if (dataset.kind === 'ratings') return RATING_MODEL_CHOICES
  const item2vec = RATING_MODEL_CHOICES.filter((c) => c.value === 'item2vec')
  return dataset.stats?.values ? [PAIR_MODEL, ...RATING_MODEL_CHOICES] : [PAIR_MODEL, ...item2vec]
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const MODEL_SCHEMAS: Record<ModelName, any> = {
  'entity-pairs': PairModelParams,
  'global-mean': GlobalMeanParams,
  'bias-baseline': BiasBaselineParams,
  'user-knn': UserKnnParams,
  mf: MfParams,
  'deep-mf': DeepMfParams,
  autorec: AutoRecParams,
  rbm: RbmParams,
  item2vec: Item2vecParams,
}

/** Engines that can train a model: both for the pair model, `ratingEngines` (shared) for the rating models. */
export function enginesFor(model: ModelName): EngineName[] {
  return model === 'entity-pairs' ? ['sparse', 'tfjs'] : ratingEngines(model)
}

/** The evaluation group of the form, in order; every other field is the model's. */
export const EVALUATION_KEYS = ['split', 'testRatio', 'splitSeed', 'validationRatio', 'patience', 'rankK'] as const
const EVALUATION_SET = new Set<string>(EVALUATION_KEYS)
export const isEvaluationKey = (key: string): boolean => EVALUATION_SET.has(key)

/** Labels of fields whose key does not read well humanized. */
export const FIELD_LABELS: Record<string, string> = {
  dim: 'Embedding dimensions',
  nPositive: 'Positives per batch',
  negativeRatio: 'Negatives per positive',
  testRatio: 'Test share',
  splitSeed: 'Split seed',
  validationRatio: 'Validation share',
  rankK: 'K (ranking metrics)',
  regUser: 'User bias regularisation',
  regItem: 'Item bias regularisation',
  reg: 'Regularisation',
  k: 'Neighbours (k)',
  minSupport: 'Minimum common items',
  initStd: 'Initial std',
  cdSteps: 'CD steps',
  hidden: 'Hidden layers',
  search: 'Grid search first',
  window: 'Context window',
  negatives: 'Negative samples',
  nsExponent: 'Negative sampling exponent',
  subsample: 'Subsampling threshold',
  learningRate: 'Learning rate',
  minLearningRate: 'Final learning rate',
  minRating: 'Minimum rating',
  minItemCount: 'Minimum item count',
  minSequenceLength: 'Minimum sequence length',
  userVectors: 'User vectors',
  sifA: 'SIF a',
}

/** What an empty nullable number field means, shown as its placeholder. */
export const FIELD_PLACEHOLDERS: Record<string, string> = { minRating: 'all interactions' }

/** A titled group of a model's own fields in the train form. */
export interface FieldGroup {
  id: string
  title: string
  /** A line under the title. */
  text?: string
  keys: readonly string[]
}

/**
 * Models whose own fields are shown in titled groups (the others in one
 * block). Fields a group does not name land in a last "Other" group, so a new
 * schema field is never lost.
 */
export const FIELD_GROUPS: Partial<Record<ModelName, readonly FieldGroup[]>> = {
  item2vec: [
    { id: 'vectors', title: 'Vectors', text: 'Skip-gram with negative sampling: each item predicts the items near it in the user’s history.', keys: ['dim', 'window', 'negatives', 'nsExponent', 'subsample'] },
    { id: 'training', title: 'Training', keys: ['epochs', 'learningRate', 'minLearningRate', 'seed'] },
    { id: 'sequences', title: 'Sequences', text: 'Each user’s items of the training part, in time order, make one sequence.', keys: ['minRating', 'minItemCount', 'minSequenceLength'] },
    { id: 'users', title: 'Users', text: 'A user’s vector is built from the vectors of the items in their sequence.', keys: ['userVectors', 'sifA'] },
  ],
}

/** The model's own fields in its groups (in the group's order), or null when the model has no groups. */
export function groupFields<F extends { key: string; kind: string }>(model: ModelName, fields: readonly F[]): { group: FieldGroup; fields: F[] }[] | null {
  const groups = FIELD_GROUPS[model]
  if (!groups) return null
  const byKey = new Map(fields.map((f) => [f.key, f]))
  const used = new Set<string>()
  const out: { group: FieldGroup; fields: F[] }[] = []
  for (const g of groups) {
    const list = g.keys.map((k) => byKey.get(k)).filter((f): f is F => f !== undefined)
    for (const f of list) used.add(f.key)
    if (list.length) out.push({ group: g, fields: list })
  }
  const rest = fields.filter((f) => !used.has(f.key) && f.kind !== 'const')
  if (rest.length) out.push({ group: { id: 'other', title: 'Other', keys: rest.map((f) => f.key) }, fields: rest })
  return out
}

/** Fields that matter only with some settings: the reason they are off, or null. */
export function fieldInactive(key: string, values: Record<string, unknown>, model?: ModelName): string | null {
  if ((key === 'testRatio' || key === 'splitSeed') && values.split !== 'random') return 'Only for the random split.'
  if (model === 'item2vec') {
    if (key === 'patience') return 'item2vec does not stop early: it trains every epoch.'
    if (key === 'sifA' && values.userVectors !== 'sif') return 'Only for SIF user vectors.'
  }
  if (key === 'patience' && Number(values.validationRatio) === 0) return 'Needs a validation share above 0.'
  return null
}

/** Why the predefined split cannot be used on a dataset, or null. */
export function predefinedSplitProblem(dataset: Pick<Dataset, 'options'> | null): string | null {
  if (!dataset) return null
  return (dataset.options as { predefinedSplit?: unknown }).predefinedSplit
    ? null
    : 'No test file was imported with this dataset (e.g. u1.base + u1.test), so it has no predefined split.'
}

export interface ModelPreset {
  id: string
  label: string
  description: string
  /** Model fields; evaluation fields the preset does not name keep their values (runs stay comparable). */
  params: Record<string, unknown>
}

export const RATING_PRESETS: Partial<Record<RatingModelName, ModelPreset[]>> = {
  'bias-baseline': [
    { id: 'surprise', label: 'Surprise defaults', description: 'BaselineOnly with ALS: 10 passes, user reg 15, item reg 10.', params: { epochs: 10, regUser: 15, regItem: 10 } },
    { id: 'light', label: 'Light regularisation', description: 'Small regularisation: biases follow the data more closely.', params: { epochs: 10, regUser: 2, regItem: 2 } },
  ],
  'user-knn': [
    { id: 'pearson', label: 'Pearson, k = 40', description: 'Mean-centred Pearson similarity over the 40 nearest users (Surprise KNNWithMeans).', params: { similarity: 'pearson', k: 40, meanCentering: true, minSupport: 2, shrinkage: 10 } },
    { id: 'cosine', label: 'Cosine, k = 20', description: 'Cosine similarity over 20 neighbours, no centring.', params: { similarity: 'cosine', k: 20, meanCentering: false, minSupport: 1, shrinkage: 0 } },
  ],
  mf: [
    { id: 'quick', label: 'Quick look', description: '20 factors, 10 epochs: a fast first fit.', params: { dim: 20, epochs: 10, learningRate: 0.01, reg: 0.05 } },
    { id: 'surprise', label: 'Surprise SVD', description: 'Surprise’s SVD defaults: 100 factors, 20 epochs, lr 0.005, reg 0.02.', params: { dim: 100, epochs: 20, learningRate: 0.005, reg: 0.02 } },
    {
      id: 'early-stop',
      label: 'Early stopping',
      description: 'Up to 100 epochs, holding out 10 % of the training ratings and stopping after 3 epochs without a better validation RMSE.',
      params: { dim: 50, epochs: 100, learningRate: 0.01, reg: 0.05, validationRatio: 0.1, patience: 3 },
    },
  ],
  'deep-mf': [
    { id: 'ncf', label: 'Default MLP', description: '32-d embeddings, layers 64 → 32, ReLU, dropout 0.2, Adam 0.002.', params: { dim: 32, hidden: '64,32', activation: 'relu', dropout: 0.2, epochs: 20, learningRate: 0.002 } },
    { id: 'small', label: 'Small and quick', description: '16-d embeddings, one layer of 32, 10 epochs.', params: { dim: 16, hidden: '32', activation: 'relu', dropout: 0.1, epochs: 10, learningRate: 0.005 } },
  ],
  autorec: [
    { id: 'i-autorec', label: 'I-AutoRec (paper)', description: 'The paper’s model as published: item-based, 500 sigmoid hidden units, λ = 1, no bias baseline (Sedhain et al. 2015). Slow; overfits small data.', params: { orientation: 'item', baseline: 'none', hidden: 500, activation: 'sigmoid', reg: 1, epochs: 100, learningRate: 0.001 } },
    { id: 'u-autorec', label: 'U-AutoRec', description: 'User-based, on the bias baseline’s residuals: usually a little worse than I-AutoRec.', params: { orientation: 'user', baseline: 'bias', hidden: 100, activation: 'tanh', reg: 10 } },
  ],
  rbm: [
    { id: 'paper', label: 'Salakhutdinov 2007', description: '100 hidden units, CD-1, lr 0.01, momentum 0.5.', params: { orientation: 'user', hidden: 100, cdSteps: 1, learningRate: 0.01, momentum: 0.5 } },
  ],
  item2vec: [
    {
      id: 'word2vec',
      label: 'word2vec defaults',
      description: 'Gensim’s / word2vec’s defaults: 100-d, window 5, 5 negatives drawn ∝ count^0.75, subsampling 10⁻³, 5 epochs, lr 0.025 → 0.0001; SIF user vectors.',
      params: { dim: 100, window: 5, negatives: 5, nsExponent: 0.75, subsample: 0.001, epochs: 5, learningRate: 0.025, minLearningRate: 0.0001, userVectors: 'sif' },
    },
    {
      id: 'whole-sequence',
      label: 'Whole-sequence window',
      description: 'As in the item2vec paper: every other item of the user is context (window 0 = the whole sequence, order ignored); 20 epochs. Slower: pairs grow with the sequence length.',
      params: { dim: 100, window: 0, negatives: 5, nsExponent: 0.75, subsample: 0.001, epochs: 20, learningRate: 0.025, minLearningRate: 0.0001, userVectors: 'sif' },
    },
    {
      id: 'quick',
      label: 'Quick look',
      description: '32-d, window 5, 5 epochs: a fit in seconds.',
      params: { dim: 32, window: 5, negatives: 5, nsExponent: 0.75, subsample: 0.001, epochs: 5, learningRate: 0.025, minLearningRate: 0.0001, userVectors: 'sif' },
    },
  ],
}

// ---------------------------------------------------------------- item2vec run-time estimate

/**
 * The nominal training speed of item2vec, in (centre item, context item)
 * pairs per second, each with its negatives — at ≤ 150 dimensions and 5
 * negatives. Measured on a 2-core machine with the sample ratings (1,000
 * users × 600 movies, 1 thread, 2026-12, the whole loop in WebAssembly):
 * words_per_sec 585 k at 100-d / window 5 (≈ 5.9 M pairs/s as counted here),
 * 1.32 M at 32-d (≈ 13 M), 58 k at 100-d with the whole sequence as window
 * (≈ 2.9 M), 280 k at 300-d; 50,000 nearly equally popular items run at about
 * half the 100-d rate (their rows come from memory). The constant is about
 * half the slowest of those: estimates err on the long side.
 */
export const ITEM2VEC_PAIRS_PER_SEC = 1_400_000

export interface Item2vecEstimate {
  /** Interactions in the training part (after the split). */
  trainInteractions: number
  /** Mean items per user in the training part. */
  meanSequence: number
  /** Items trained on over all epochs, after subsampling (roughly). */
  words: number
  /** Context items per centre item. */
  contextPerWord: number
  pairs: number
  /** Pairs per second assumed for these dimensions and negatives. */
  pairsPerSec: number
  seconds: number
}

/**
 * A rough run time for item2vec before it starts: effective words ≈ training
 * interactions × epochs (subsampling of frequent items taken into account from
 * the item degrees, roughly), context pairs ≈ words × min(2·window, mean
 * sequence length) (the whole sequence: × mean length), at the nominal speed
 * scaled by negatives and dimensions. Null when a value is missing.
 */
export function estimateItem2vec(dataset: Pick<Dataset, 'stats'> | null, values: Record<string, unknown>): Item2vecEstimate | null {
  const stats = dataset?.stats
  if (!stats || stats.left.count <= 0 || stats.interactions <= 0) return null
  const num = (k: string): number => (typeof values[k] === 'string' && (values[k] as string).trim() === '' ? Number.NaN : Number(values[k]))
  const dim = num('dim')
  const window = num('window')
  const negatives = num('negatives')
  const epochs = num('epochs')
  const subsample = num('subsample')
  const validation = num('validationRatio')
  if (![dim, window, negatives, epochs, subsample].every((x) => Number.isFinite(x) && x >= 0) || dim <= 0 || epochs <= 0) return null
  const n = stats.interactions
  let train: number
  if (values.split === 'random') {
    const test = num('testRatio')
    if (!(test > 0 && test < 1)) return null
    train = n * (1 - test)
  } else if (values.split === 'leave-last-out') train = Math.max(0, n - stats.left.count)
  else train = n * 0.8 // predefined: the imported test file's share is unknown here; 80 % is the usual u1.base
  if (Number.isFinite(validation) && validation > 0 && validation < 1) train *= 1 - validation
  const meanSequence = train / stats.left.count
  const keep = subsampleKeep(stats.right.degree.histogram, n, subsample)
  const words = train * epochs * keep
  const contextPerWord = window === 0 ? Math.max(0, meanSequence - 1) : Math.min(2 * window, Math.max(0, meanSequence - 1))
  const pairs = words * contextPerWord
  const pairsPerSec = (ITEM2VEC_PAIRS_PER_SEC * 6) / (1 + negatives) / Math.max(1, dim / 150)
  return { trainInteractions: train, meanSequence, words, contextPerWord, pairs, pairsPerSec, seconds: pairs / pairsPerSec }
}

/**
 * The share of item occurrences word2vec's subsampling keeps, from the item
 * degree histogram: an item of frequency f (its share of all interactions)
 * stays with probability min(1, (√(f/t) + 1)·t/f). Bins count at their
 * geometric middle. 1 when t = 0 or without a histogram.
 */
export function subsampleKeep(histogram: readonly { from: number; to: number; count: number }[] | undefined, total: number, t: number): number {
  if (!(t > 0) || !histogram?.length || total <= 0) return 1
  let kept = 0
  let all = 0
  for (const bin of histogram) {
    if (bin.count <= 0) continue
    const c = Math.sqrt(Math.max(1, bin.from) * Math.max(1, bin.to))
    const f = c / total
    const p = Math.min(1, (Math.sqrt(f / t) + 1) * (t / f))
    kept += bin.count * c * p
    all += bin.count * c
  }
  return all > 0 ? kept / all : 1
}

/** "about 40 s", "about 3 min", "about 1.5 h". */
export function formatEstimate(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–'
  if (seconds < 1) return 'under a second'
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min`
  return `about ${(seconds / 3600).toFixed(1)} h`
}

/** Whether a metric applies to a model: RMSE and MAE only to models that predict ratings. */
export function metricApplies(model: string, key: EvaluationMetricKey): boolean {
  return !((key === 'rmse' || key === 'mae') && isRatingModel(model) && !predictsRatings(model))
}

// ---------------------------------------------------------------- comparison

export type ComparisonSortKey = EvaluationMetricKey | 'name' | 'model' | 'seed' | 'durationSec'

function rowValue(r: ComparisonRow, key: ComparisonSortKey): string | number | null {
  switch (key) {
    case 'name':
      return r.name.toLowerCase()
    case 'model':
      return r.model
    case 'seed':
      return r.seed
    case 'durationSec':
      return r.durationSec
    default:
      return r.evaluation[key]
  }
}

/** The direction a column sorts on its first click: best first for metrics, A→Z for text. */
export function firstDirection(key: ComparisonSortKey): 'asc' | 'desc' {
  const m = EVALUATION_METRICS.find((x) => x.key === key)
  if (m) return m.better === 'lower' ? 'asc' : 'desc'
  return 'asc'
}

/** Sorted copy; missing values last whatever the direction; ties by run id. */
export function sortComparison(rows: readonly ComparisonRow[], key: ComparisonSortKey, dir: 'asc' | 'desc'): ComparisonRow[] {
  const sign = dir === 'asc' ? 1 : -1
  return [...rows].sort((a, b) => {
    const va = rowValue(a, key)
    const vb = rowValue(b, key)
    if (va === null && vb !== null) return 1
    if (vb === null && va !== null) return -1
    if (va !== null && vb !== null && va !== vb) return (va < vb ? -1 : 1) * sign
    return a.runId - b.runId
  })
}

/** Parameters without the seed: runs with equal keys differ only by their seed. */
export function configKey(params: ModelParams | null, row: Pick<ComparisonRow, 'model' | 'summary'>): string {
  if (!params) return `${row.model}|${row.summary}`
  const rest: Record<string, unknown> = { ...params }
  delete rest.seed
  return JSON.stringify(Object.keys(rest).sort().map((k) => [k, rest[k]]))
}

export interface Spread {
  mean: number
  sd: number
  n: number
}

/** Mean and sample standard deviation (n − 1) of the non-null values; null under 2 values. */
export function spread(values: readonly (number | null)[]): Spread | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v))
  if (xs.length < 2) return null
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)
  return { mean, sd: Math.sqrt(variance), n: xs.length }
}

export interface SeedGroup {
  key: string
  label: string
  model: string
  runIds: number[]
  seeds: number[]
  metrics: Partial<Record<EvaluationMetricKey, Spread>>
}

/** Runs of one configuration with several seeds: the spread of each metric. Groups of one are left out. */
export function seedGroups(rows: readonly ComparisonRow[], paramsOf: (runId: number) => ModelParams | null): SeedGroup[] {
  const groups = new Map<string, ComparisonRow[]>()
  for (const r of rows) {
    const key = configKey(paramsOf(r.runId), r)
    const list = groups.get(key)
    if (list) list.push(r)
    else groups.set(key, [r])
  }
  const out: SeedGroup[] = []
  for (const [key, list] of groups) {
    if (list.length < 2) continue
    const metrics: SeedGroup['metrics'] = {}
    for (const m of EVALUATION_METRICS) {
      const s = spread(list.map((r) => r.evaluation[m.key]))
      if (s) metrics[m.key] = s
    }
    out.push({
      key,
      label: list[0]!.summary,
      model: list[0]!.model,
      runIds: list.map((r) => r.runId),
      seeds: list.map((r) => r.seed),
      metrics,
    })
  }
  return out
}

/** Column headings that fit a wide table ("P@K"); the full label goes in the tooltip. */
export const SHORT_METRIC_LABELS: Record<EvaluationMetricKey, string> = {
  rmse: 'RMSE',
  mae: 'MAE',
  precision: 'P@K',
  recall: 'R@K',
  ndcg: 'NDCG@K',
  hitRate: 'HR@K',
  auc: 'AUC',
}

/** A metric value for tables: 4 decimals for errors, 3 for rates; '–' when missing. */
export function formatMetric(key: EvaluationMetricKey, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–'
  return v.toFixed(key === 'rmse' || key === 'mae' ? 4 : 3)
}

/** A rating: integers as they are, half stars with one decimal, others with two. */
export function formatRating(v: number): string {
  if (Number.isInteger(v)) return String(v)
  return Number.isInteger(v * 2) ? v.toFixed(1) : v.toFixed(2)
}

/** The file name of a comparison's CSV download. */
export function comparisonFileName(datasetName: string, splitKey: string | null): string {
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/^-+|-+$/g, '')
  return `comparison-${slug(datasetName) || 'dataset'}${splitKey ? `-${slug(splitKey)}` : ''}.csv`
}
