/**
 * The contract between the rating-run task and the rating models.
 *
 * A model is a *fitter*: `(data, params, ctx) → Predictor`. Fitting may run on
 * the sparse CPU engine (our own loops over Float32Array tables) or on the
 * tfjs engine; either way the result is a `Predictor` in plain JavaScript
 * over plain arrays, so that the same code predicts in the worker (to
 * evaluate) and in the main process (the user view: one user at a time).
 * A predictor saves itself as `SavedModel` (JSON header + typed arrays) and is
 * loaded back by its kind's loader (`LOADERS` in `models.ts`).
 *
 * Indices: users are the dataset's left side (0 … nUsers−1), items the right
 * side (0 … nItems−1). Ratings are raw values (e.g. 1–5); models predict raw
 * values, unclipped (the evaluation clips to `scale`).
 */

export interface RatingTriples {
  /** Entries that count; the arrays may be longer. */
  n: number
  user: Int32Array
  item: Int32Array
  rating: Float32Array
  /** Timestamps (seconds), when the dataset has them: sequence models order each user's items by them. */
  ts?: Float64Array
}

export interface RatingData {
  nUsers: number
  nItems: number
  train: RatingTriples
  /** Held out from the training ratings for early stopping, or null. */
  validation: RatingTriples | null
  /** The rating scale (min and max rating seen in the dataset): predictions are clipped to it for RMSE/MAE. */
  scale: { min: number; max: number }
}

export interface EpochReport {
  /** 1-based. */
  epoch: number
  epochs: number
  /** Mean training loss of the epoch (the model's own objective, e.g. MSE + penalty / N, or reconstruction error). */
  loss: number
  /** The model as it is after this epoch (validation and live test curves are computed from it). */
  predictor: Predictor
  /** Training examples (ratings, or rating vectors for AutoRec/RBM) processed in this epoch. */
  examples: number
}

export interface FitContext {
  /**
   * After each epoch of an iterative model. Returns 'stop' when training
   * should end now (early stopping on the validation share, or a cancelled
   * run); the fitter then returns the predictor it has.
   */
  onEpoch(report: EpochReport): Promise<'continue' | 'stop'>
  /**
   * Progress inside a long epoch or a non-iterative fit, as a fraction 0–1 of
   * the whole fit. Cheap to call; throttled by the caller. `metrics` (e.g.
   * batch_loss, words_per_sec) go to the run's live charts.
   */
  onProgress?(fraction: number, message: string, metrics?: Record<string, number>): void
  /** Worker threads the sparse engine may use (1 = deterministic single thread). */
  threads: number
  /** The engine this run uses for models that have two. */
  engine: 'sparse' | 'tfjs'
}

export interface SavedModel {
  kind: string
  /** JSON-serialisable scalars and small arrays. */
  header: Record<string, unknown>
  arrays: Record<string, Float32Array | Int32Array>
}

export interface Table {
  rows: number
  dim: number
  data: Float32Array
}

export interface Predictor {
  readonly kind: string
  /** r̂ for each (user[k], item[k]), k < n, into out[k]: raw scale, unclipped. */
  predict(n: number, user: Int32Array, item: Int32Array, out: Float32Array): void
  /** Ranking scores of every item for one user into out (length nItems): higher = recommend first. */
  scoreUser(user: number, out: Float32Array): void
  save(): SavedModel
  /** What the fit actually ran on, when the trainer chose it (e.g. item2vec's kernel and threads): the run records it. */
  readonly trainedWith?: { backend?: string; threads?: number }
  /** Tables to store as the run's embeddings (left = users, right = items), when the model has them. */
  embeddings?(): { left?: Table; right?: Table }
}

export type Fitter<P> = (data: RatingData, params: P, ctx: FitContext) => Promise<Predictor>
export type Loader = (saved: SavedModel) => Predictor

/** Copies the first n entries of triples (a self-contained RatingTriples). */
export function sliceTriples(t: RatingTriples, n = t.n): RatingTriples {
  return { n, user: t.user.slice(0, n), item: t.item.slice(0, n), rating: t.rating.slice(0, n) }
}

/** Mean rating of the first n triples (0 when empty). */
export function meanRating(t: RatingTriples): number {
  let s = 0
  for (let k = 0; k < t.n; k++) s += t.rating[k]!
  return t.n > 0 ? s / t.n : 0
}

/** Root mean squared error of a predictor on triples, predictions clipped to the scale. */
export function rmseOf(p: Predictor, t: RatingTriples, scale: { min: number; max: number }): number {
  if (t.n === 0) return Number.NaN
  const out = new Float32Array(t.n)
  p.predict(t.n, t.user, t.item, out)
  let s = 0
  for (let k = 0; k < t.n; k++) {
    const e = Math.min(scale.max, Math.max(scale.min, out[k]!)) - t.rating[k]!
    s += e * e
  }
  return Math.sqrt(s / t.n)
}
