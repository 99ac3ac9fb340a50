/**
 * The contract between the trainer and a training engine for the entity-pair
 * model. Both engines (sparse CPU, tfjs) implement exactly this math:
 *
 *   for an example (i, j, y):
 *     û = u_i / sqrt(max(|u_i|², 1e-12))      v̂ = v_j / sqrt(max(|v_j|², 1e-12))   (Keras l2_normalize)
 *     c = û · v̂                                (the cosine)
 *   classification (y ∈ {0, 1}):  z = w·c + b,  loss = softplus(z) − y·z          (sigmoid cross-entropy on the logit)
 *                                  accuracy = [ (z > 0) == (y == 1) ]
 *   regression     (y ∈ {−1, +1}): loss = (c − y)²,  accuracy = [ (c > 0) == (y > 0) ]
 *   batch loss = mean over the batch; gradients are of that mean.
 *
 * Tables: `left` (nLeft × dim) and `right` (nRight × dim), row-major Float32;
 * `head` = [w, b] (classification only; regression keeps it but never changes it).
 *
 * Optimizers (the same hyper-parameters in both engines):
 *   sgd:      θ ← θ − lr·g
 *   adagrad:  a ← a + g²,  θ ← θ − lr·g / sqrt(a + 1e-7),  a starts at 0.1          (tfjs' AdagradOptimizer)
 *   adam:     t ← t+1, m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 *             θ ← θ − lr·m̂ / (sqrt(v̂) + 1e-7),  m̂ = m/(1−β1^t), v̂ = v/(1−β2^t),  β1 = 0.9, β2 = 0.999
 *             (tfjs' AdamOptimizer, epsilon 1e-7; Keras puts ε inside the bias correction, which
 *             only differs where sqrt(v) is near 1e-7).
 *   Lazy semantics (sparse default): only rows that appear in the batch are
 *   updated (their m, v, a too); t is the global step. Dense semantics (tfjs,
 *   and the sparse engine when asked, for the agreement test): every row is
 *   updated every step with g = 0 for rows not in the batch.
 *   A row that appears several times in a batch gets the sum of its gradients.
 */
import type { EngineInfo, Optimizer } from '../../shared/train'

/** Adam's constants, as above (tfjs' defaults but ε = 1e-7): every Adam in the app uses these. */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const

export interface PairModelConfig {
  variant: 'classification' | 'regression'
  dim: number
  nLeft: number
  nRight: number
  optimizer: Optimizer
  learningRate: number
}

export interface PairTables {
  left: Float32Array
  right: Float32Array
  /** [w, b] of the classification head. */
  head: Float32Array
}

/** One batch of examples. Arrays may be longer than `size`; only the first `size` entries count. */
export interface Batch {
  size: number
  left: Int32Array
  right: Int32Array
  /** 1/0 for classification, +1/−1 for regression. */
  label: Float32Array
}

export interface StepResult {
  /** Mean loss of the batch before the update. */
  loss: number
  accuracy: number
}

/** Everything needed to continue training exactly where it stopped. */
export interface EngineState {
  tables: PairTables
  /** Optimizer slots by name, laid out like the tables: e.g. left.m, left.v, right.m, right.v, head.m, head.v, or left.a … */
  slots: Record<string, Float32Array>
  /** Optimizer step count t. */
  step: number
}

export interface EngineOptions {
  model: PairModelConfig
  /** Initial weights (copied by the engine). */
  init: PairTables
  /** Sparse engine: worker threads, 0 = one per core, 1 = single-threaded (deterministic). */
  threads?: number
  /** Sparse engine: 'lazy' (default) or 'dense' optimizer semantics (see above). */
  semantics?: 'lazy' | 'dense'
}

export interface PairEngine {
  readonly info: EngineInfo
  /** One optimizer step on a batch. */
  step(batch: Batch): Promise<StepResult>
  /** Loss and gradients of the batch mean, without updating anything (tests). */
  lossAndGradients(batch: Batch): Promise<{ loss: number; grads: PairTables }>
  /** Copies of the current weights. */
  weights(): Promise<PairTables>
  saveState(): Promise<EngineState>
  loadState(state: EngineState): Promise<void>
  dispose(): Promise<void>
}

export type EngineFactory = (options: EngineOptions) => Promise<PairEngine>
