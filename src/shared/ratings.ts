/**
 * Rating models and their evaluation: the hyper-parameter schemas the train
 * form is generated from (flat fields: the form and the CLI take them as they
 * are), the split every rating run is evaluated on, and the evaluation a
 * finished run reports.
 *
 * Every rating model shares the evaluation fields (`EVALUATION`): the split
 * (random with a test ratio and seed, the dataset's predefined train/test
 * files, or leave-last-out per user by timestamp), an optional validation
 * share of the training part (early stopping for the iterative models), and
 * K for the ranking metrics. Runs on the same dataset with the same split key
 * (`splitKey`) are compared in one table.
 */
import { z } from 'zod'

export const SplitKind = z.enum(['random', 'predefined', 'leave-last-out'])
export type SplitKind = z.infer<typeof SplitKind>

/** Fields shared by every rating model: how it is evaluated. */
const EVALUATION = {
  split: SplitKind.default('random').describe('Random: a share of all ratings is held out. Predefined: the test file imported with the dataset (u1.base / u1.test). Leave-last-out: each user’s latest rating.'),
  testRatio: z.number().min(0.01).max(0.9).default(0.2).describe('Random split: the share of ratings held out for the test.'),
  splitSeed: z.number().int().min(0).max(2 ** 31 - 1).default(1).describe('Random split: the same seed gives the same split.'),
  validationRatio: z.number().min(0).max(0.5).default(0).describe('Share of the training ratings held out for validation (early stopping); 0 = none.'),
  patience: z.number().int().min(1).max(100).default(3).describe('Early stopping: epochs without a better validation RMSE before stopping (with a validation share).'),
  rankK: z.number().int().min(1).max(100).default(10).describe('K of precision, recall, NDCG and hit rate at K.'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42).describe('Seeds initial weights and shuffling: the same seed repeats the run.'),
}

export const GlobalMeanParams = z.object({
  model: z.literal('global-mean'),
  ...EVALUATION,
})

/** Bias-only baseline r̂ = μ + b_u + b_i, fitted by alternating least squares (Surprise's BaselineOnly). */
export const BiasBaselineParams = z.object({
  model: z.literal('bias-baseline'),
  ...EVALUATION,
  epochs: z.number().int().min(1).max(200).default(10).describe('Alternating least-squares passes.'),
  regUser: z.number().min(0).max(1000).default(15).describe('Regularisation of the user biases.'),
  regItem: z.number().min(0).max(1000).default(10).describe('Regularisation of the item biases.'),
})

export const UserKnnParams = z.object({
  model: z.literal('user-knn'),
  ...EVALUATION,
  similarity: z.enum(['cosine', 'pearson']).default('pearson').describe('Similarity between two users over the items both rated.'),
  k: z.number().int().min(1).max(1000).default(40).describe('Neighbours who rated the item that are used in a prediction.'),
  meanCentering: z.boolean().default(true).describe('Predict the user’s mean plus the neighbours’ weighted deviations from their means.'),
  minSupport: z.number().int().min(1).max(100).default(2).describe('Items two users must share for their similarity to count.'),
  shrinkage: z.number().min(0).max(1000).default(10).describe('Shrinks similarities of users with few common items towards 0 (n / (n + shrinkage)).'),
})

export const MfParams = z.object({
  model: z.literal('mf'),
  ...EVALUATION,
  dim: z.number().int().min(1).max(1024).default(50).describe('Latent factors per user and item.'),
  epochs: z.number().int().min(1).max(1000).default(40).describe('Passes over the training ratings.'),
  learningRate: z.number().positive().max(10).default(0.01).describe('SGD step size.'),
  reg: z.number().min(0).max(10).default(0.1).describe('L2 regularisation of factors and biases (0.1 suits MovieLens-sized data).'),
  initStd: z.number().positive().max(1).default(0.1).describe('Factors start Gaussian with this standard deviation.'),
  biases: z.boolean().default(true).describe('Global mean + user bias + item bias (off: the dot product only).'),
  batchSize: z.number().int().min(1).max(65536).default(1).describe('Ratings per update: 1 = per-rating SGD (sparse engine); the tfjs engine uses mini-batches.'),
  search: z.boolean().default(false).describe('Try a small grid of regularisation × factors on a validation share of the training ratings first, then train the best on all of them.'),
})

export const DeepMfParams = z.object({
  model: z.literal('deep-mf'),
  ...EVALUATION,
  dim: z.number().int().min(1).max(512).default(32).describe('Embedding size of users and items (concatenated).'),
  hidden: z.string().regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'layer sizes separated by commas, e.g. 64,32').default('64,32').describe('Hidden layer sizes, e.g. 64,32.'),
  activation: z.enum(['relu', 'tanh', 'sigmoid', 'elu']).default('relu').describe('Activation of the hidden layers.'),
  dropout: z.number().min(0).max(0.9).default(0.2).describe('Dropout after each hidden layer.'),
  epochs: z.number().int().min(1).max(1000).default(20).describe('Passes over the training ratings.'),
  batchSize: z.number().int().min(1).max(65536).default(512).describe('Ratings per batch.'),
  learningRate: z.number().positive().max(10).default(0.002).describe('Adam step size.'),
  reg: z.number().min(0).max(10).default(0.00001).describe('L2 regularisation of the embeddings.'),
})

export const AutoRecParams = z.object({
  model: z.literal('autorec'),
  ...EVALUATION,
  orientation: z.enum(['item', 'user']).default('item').describe('I-AutoRec encodes each item’s ratings by users; U-AutoRec each user’s ratings of items.'),
  baseline: z
    .enum(['bias', 'none'])
    .default('bias')
    .describe('Bias: fit μ + b_u + b_i first (as the bias baseline) and let the network reconstruct the residuals r − (μ + b_u + b_i), a missing entry meaning “as the baseline expects”; predictions add the biases back. None: the paper’s plain AutoRec on the raw ratings.'),
  hidden: z.number().int().min(1).max(4096).default(100).describe('Hidden units.'),
  activation: z.enum(['sigmoid', 'relu', 'tanh', 'elu']).default('tanh').describe('Encoder activation (the decoder is linear).'),
  epochs: z.number().int().min(1).max(2000).default(20).describe('Passes over the rating vectors.'),
  batchSize: z.number().int().min(1).max(4096).default(64).describe('Rating vectors per batch.'),
  learningRate: z.number().positive().max(10).default(0.003).describe('Adam step size.'),
  reg: z.number().min(0).max(1000).default(10).describe('L2 regularisation λ of the weights, added once per batch (loss only on observed ratings).'),
})

export const RbmParams = z.object({
  model: z.literal('rbm'),
  ...EVALUATION,
  orientation: z.enum(['user', 'item']).default('user').describe('User-based: one RBM case per user over the items they rated; item-based: per item over its users.'),
  hidden: z.number().int().min(1).max(2048).default(100).describe('Binary hidden units.'),
  epochs: z.number().int().min(1).max(1000).default(30).describe('Passes over the cases.'),
  batchSize: z.number().int().min(1).max(1024).default(16).describe('Cases per weight update.'),
  learningRate: z.number().positive().max(10).default(0.01).describe('Contrastive-divergence step size.'),
  cdSteps: z.number().int().min(1).max(20).default(1).describe('Gibbs steps of contrastive divergence (CD-k).'),
  momentum: z.number().min(0).max(0.99).default(0.5).describe('Momentum of the weight updates.'),
  weightDecay: z.number().min(0).max(1).default(0.001).describe('L2 weight decay.'),
})

/**
 * item2vec (Barkan & Koenigstein 2016): each user's items in time order are a
 * sentence; word2vec skip-gram with negative sampling learns the item
 * vectors; a user's vector is the mean (or SIF-weighted mean, first principal
 * component removed) of their items' vectors; recommendations are the items
 * nearest the user vector that the user has not seen. Works on ratings and on
 * pair lists (a book's links are its sentence). Evaluated leave-last-out by
 * default (hit rate and NDCG at K; RMSE and MAE do not apply: it predicts no
 * ratings).
 */
export const Item2vecParams = z.object({
  model: z.literal('item2vec'),
  ...EVALUATION,
  split: SplitKind.default('leave-last-out').describe('Leave-last-out: each user’s latest item is held out (the standard protocol for sequence models). Random or predefined splits work too.'),
  dim: z.number().int().min(2).max(1024).default(100).describe('Vector size of the items (and users).'),
  window: z.number().int().min(0).max(1000).default(5).describe('Items on each side of the centre item that count as its context; 0 = the whole sequence.'),
  negatives: z.number().int().min(1).max(50).default(5).describe('Random negative items per (item, context) pair.'),
  nsExponent: z.number().min(0).max(1).default(0.75).describe('Negative items are drawn with probability ∝ count^exponent (word2vec: 0.75).'),
  subsample: z.number().min(0).max(1).default(0.001).describe('Frequent-item subsampling threshold t (word2vec’s sample): 0 = keep every item.'),
  epochs: z.number().int().min(1).max(1000).default(20).describe('Passes over the sequences.'),
  learningRate: z.number().positive().max(1).default(0.025).describe('Starting learning rate; decays linearly to the minimum over the run.'),
  minLearningRate: z.number().min(0).max(1).default(0.0001).describe('Learning rate at the end of the run.'),
  minRating: z.number().nullable().default(null).describe('Only ratings at or above this value make the sequences (empty = all interactions).'),
  minItemCount: z.number().int().min(1).max(1000).default(1).describe('Items seen fewer times in training are dropped from the sequences.'),
  minSequenceLength: z.number().int().min(1).max(1000).default(2).describe('Users with fewer items (after filtering) are left out of training.'),
  userVectors: z.enum(['sif', 'mean']).default('sif').describe('User vector: SIF-weighted mean a/(a + p(item)) with the first principal component removed, or the plain mean.'),
  sifA: z.number().positive().max(1).default(0.001).describe('SIF weight parameter a.'),
})

export const RATING_MODELS = ['global-mean', 'bias-baseline', 'user-knn', 'mf', 'deep-mf', 'autorec', 'rbm', 'item2vec'] as const
export type RatingModelName = (typeof RATING_MODELS)[number]

export const RatingModelParams = z.discriminatedUnion('model', [GlobalMeanParams, BiasBaselineParams, UserKnnParams, MfParams, DeepMfParams, AutoRecParams, RbmParams, Item2vecParams])
export type RatingModelParams = z.infer<typeof RatingModelParams>
export type GlobalMeanParams = z.infer<typeof GlobalMeanParams>
export type BiasBaselineParams = z.infer<typeof BiasBaselineParams>
export type UserKnnParams = z.infer<typeof UserKnnParams>
export type MfParams = z.infer<typeof MfParams>
export type DeepMfParams = z.infer<typeof DeepMfParams>
export type AutoRecParams = z.infer<typeof AutoRecParams>
export type RbmParams = z.infer<typeof RbmParams>
export type Item2vecParams = z.infer<typeof Item2vecParams>

export function isRatingModel(model: string): model is RatingModelName {
  return (RATING_MODELS as readonly string[]).includes(model)
}

/** Models that predict ratings (RMSE and MAE apply); item2vec only ranks. */
export function predictsRatings(model: RatingModelName): boolean {
  return model !== 'item2vec'
}

/** Models that can train on interactions without rating values (pair lists). */
export function needsRatings(model: RatingModelName): boolean {
  return model !== 'item2vec'
}

/** Human names of the rating models (tables, pickers). */
export const RATING_MODEL_LABELS: Record<RatingModelName, string> = {
  'global-mean': 'Global mean',
  'bias-baseline': 'Bias baseline',
  'user-knn': 'User-based kNN',
  mf: 'Matrix factorisation',
  'deep-mf': 'Deep MF',
  autorec: 'AutoRec',
  rbm: 'RBM-CF',
  item2vec: 'item2vec',
}

/** Engines that can train a rating model: MF on either, the tfjs networks on TensorFlow.js, the rest in plain JS on the CPU (the sparse engine's side). */
export function ratingEngines(model: RatingModelName): ('sparse' | 'tfjs')[] {
  if (model === 'deep-mf' || model === 'autorec') return ['tfjs']
  if (model === 'mf') return ['sparse', 'tfjs']
  return ['sparse']
}

/** Runs whose split key is equal were evaluated on exactly the same test ratings. */
export function splitKey(p: Pick<RatingModelParams, 'split' | 'testRatio' | 'splitSeed'>): string {
  if (p.split === 'random') return `random:${p.testRatio}:${p.splitSeed}`
  return p.split
}

export function describeSplit(p: Pick<RatingModelParams, 'split' | 'testRatio' | 'splitSeed'>): string {
  if (p.split === 'random') return `random ${Math.round((1 - p.testRatio) * 100)}/${Math.round(p.testRatio * 100)}, seed ${p.splitSeed}`
  if (p.split === 'predefined') return 'predefined train/test files'
  return 'leave-last-out per user'
}

/**
 * What a finished rating run reports on its test ratings. RMSE and MAE are of
 * predictions clipped to the rating scale; the ranking metrics rank, for each
 * test user, every item the user did not rate in training, and count the
 * user's test items as relevant (ratings at or above `relevantFrom` for the
 * random and predefined splits; the left-out item for leave-last-out).
 */
export const Evaluation = z.object({
  splitKey: z.string(),
  split: z.string(),
  trainCount: z.number().int(),
  validationCount: z.number().int(),
  testCount: z.number().int(),
  /** Users whose ranking was scored (capped on very large data; see `note`). */
  rankedUsers: z.number().int(),
  k: z.number().int(),
  rmse: z.number().nullable(),
  mae: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  ndcg: z.number().nullable(),
  hitRate: z.number().nullable(),
  auc: z.number().nullable(),
  /** Seconds to fit and to evaluate. */
  fitSec: z.number(),
  evalSec: z.number(),
  note: z.string().nullable(),
})
export type Evaluation = z.infer<typeof Evaluation>

/** The columns of the comparison table, in order, and which direction is better. */
export const EVALUATION_METRICS = [
  { key: 'rmse', label: 'RMSE', better: 'lower' },
  { key: 'mae', label: 'MAE', better: 'lower' },
  { key: 'precision', label: 'Precision@K', better: 'higher' },
  { key: 'recall', label: 'Recall@K', better: 'higher' },
  { key: 'ndcg', label: 'NDCG@K', better: 'higher' },
  { key: 'hitRate', label: 'Hit rate@K', better: 'higher' },
  { key: 'auc', label: 'AUC', better: 'higher' },
] as const
export type EvaluationMetricKey = (typeof EVALUATION_METRICS)[number]['key']

// ---------------------------------------------------------------- comparison and the user view

export const ComparisonQuery = z
  .object({
    datasetId: z.number().int().positive(),
    /** A split key (`splitKey`); null = the split with the most finished runs. */
    splitKey: z.string().nullable().default(null),
  })
  .strict()
export type ComparisonQuery = z.input<typeof ComparisonQuery>

export const SplitSummary = z.object({ key: z.string(), label: z.string(), runs: z.number().int() })
export type SplitSummary = z.infer<typeof SplitSummary>

export const ComparisonRow = z.object({
  runId: z.number().int(),
  name: z.string(),
  model: z.string(),
  summary: z.string(),
  seed: z.number().int(),
  engine: z.string(),
  durationSec: z.number(),
  evaluation: Evaluation,
})
export type ComparisonRow = z.infer<typeof ComparisonRow>

export const Comparison = z.object({
  splits: z.array(SplitSummary),
  splitKey: z.string().nullable(),
  rows: z.array(ComparisonRow),
})
export type Comparison = z.infer<typeof Comparison>

/** The comparison table as CSV (RFC 4180), the same for the UI's download and the CLI. */
export function comparisonCsv(rows: readonly ComparisonRow[]): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  const head = ['run', 'name', 'model', 'parameters', 'seed', 'engine', 'split', 'train', 'test', 'k', ...EVALUATION_METRICS.map((m) => m.key), 'fit_seconds']
  const lines = [head.join(',')]
  for (const r of rows) {
    const e = r.evaluation
    lines.push(
      [String(r.runId), q(r.name), r.model, q(r.summary), String(r.seed), q(r.engine), q(e.split), String(e.trainCount), String(e.testCount), String(e.k), ...EVALUATION_METRICS.map((m) => (e[m.key] === null ? '' : String(e[m.key]))), e.fitSec.toFixed(3)].join(','),
    )
  }
  return lines.join('\n') + '\n'
}

/** For each metric column, the run id with the best value (lower or higher as the metric says). */
export function bestPerMetric(rows: readonly ComparisonRow[]): Partial<Record<EvaluationMetricKey, number>> {
  const best: Partial<Record<EvaluationMetricKey, number>> = {}
  for (const m of EVALUATION_METRICS) {
    let bestValue: number | null = null
    for (const r of rows) {
      const v = r.evaluation[m.key]
      if (v === null) continue
      if (bestValue === null || (m.better === 'lower' ? v < bestValue : v > bestValue)) {
        bestValue = v
        best[m.key] = r.runId
      }
    }
  }
  return best
}

export const UserQuery = z
  .object({
    runId: z.number().int().positive(),
    /** The user's row (left side). */
    user: z.number().int().min(0),
    n: z.number().int().min(1).max(200).default(20),
    /** Rated items shown as "because you rated" per recommendation. */
    because: z.number().int().min(0).max(10).default(3),
  })
  .strict()
export type UserQuery = z.input<typeof UserQuery>

const EntityRef = z.object({ index: z.number().int(), key: z.string(), label: z.string(), metadata: z.record(z.string(), z.string()) })

export const UserView = z.object({
  user: EntityRef,
  /** The user's ratings, newest first when there are timestamps; `part` = where the run's split put it. */
  history: z.array(z.object({ item: EntityRef, rating: z.number(), timestamp: z.number().nullable(), part: z.enum(['train', 'validation', 'test']), predicted: z.number() })),
  recommendations: z.array(
    z.object({
      item: EntityRef,
      /** The model's ranking score (its predicted rating, for rating models). */
      score: z.number(),
      /** In the user's test ratings: the held-out truth, when the recommendation was one of them. */
      heldOut: z.number().nullable(),
      because: z.array(z.object({ item: EntityRef, rating: z.number(), similarity: z.number() })),
    }),
  ),
  /** How similarity between items was measured for "because": the run's item embeddings, or co-ratings. */
  similarity: z.enum(['embeddings', 'co-ratings']),
  tookMs: z.number(),
})
export type UserView = z.infer<typeof UserView>
