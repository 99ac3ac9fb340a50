/**
 * item2vec as a model of a rating run (the evaluation, comparison and user
 * views then work for it as for MF): the training part of the split becomes
 * per-user sequences in time order (../item2vec/sequences.ts), skip-gram with
 * negative sampling learns the item vectors (../item2vec/sgns.ts, our own
 * CPU trainer), user vectors are the mean or SIF-weighted mean of the user's
 * items (../item2vec/users.ts).
 *
 *   score(u, i) = cos(v_u, w_i)          (v_u the user vector, w_i the item vector)
 *
 * It predicts no ratings: `predict` returns the cosine (the evaluation reports
 * no RMSE/MAE for it), and `scoreUser` ranks every item by it. Both tables are
 * stored as the run's embeddings: users (left) and items (right).
 */
import type { Item2vecParams } from '../../shared/ratings'
import { buildSequences } from '../item2vec/sequences'
import { trainSgns } from '../item2vec/sgns'
import { userVectors } from '../item2vec/users'
import type { Fitter, Loader, Predictor, SavedModel, Table } from './model'

/** Sequences shorter in total than this train on one thread (see fitItem2vec). */
export const MULTI_THREAD_MIN_ITEMS = 1_000_000

export const fitItem2vec: Fitter<Item2vecParams> = async (data, params, ctx) => {
  const seqs = buildSequences(data.train, data.nUsers, data.nItems, {
    minRating: params.minRating,
    minItemCount: params.minItemCount,
    minSequenceLength: params.minSequenceLength,
  })
  const nSeq = seqs.offsets.length - 1
  if (nSeq === 0) {
    throw new Error(
      `No user has ${params.minSequenceLength} or more items after the filters (minimum rating ${params.minRating ?? 'none'}, items seen at least ${params.minItemCount} times): lower them.`,
    )
  }
  // Several threads (Hogwild) only pay off on long histories, and cost reproducibility: below a
  // million items a run trains on one deterministic thread (measured: 2 threads were slower on
  // 100,000 interactions, start-up included).
  const threads = ctx.threads > 1 && seqs.items.length >= MULTI_THREAD_MIN_ITEMS ? ctx.threads : 1
  const result = await trainSgns(
    seqs,
    data.nItems,
    {
      dim: params.dim,
      window: params.window,
      negatives: params.negatives,
      nsExponent: params.nsExponent,
      subsample: params.subsample,
      epochs: params.epochs,
      learningRate: params.learningRate,
      minLearningRate: params.minLearningRate,
      seed: params.seed,
      threads,
    },
    (p) => {
      const fraction = (p.epoch - 1 + p.fraction) / params.epochs
      ctx.onProgress?.(fraction, `Epoch ${p.epoch}/${params.epochs} · ${Math.round(p.wordsPerSec).toLocaleString('en-US')} words/s`, {
        batch_loss: p.loss,
        words_per_sec: p.wordsPerSec,
      })
    },
  )
  const users = userVectors(result.vectors, params.dim, seqs, params.userVectors, params.sifA, data.nUsers)
  const predictor = new Item2vecPredictor(data.nUsers, data.nItems, params.dim, users, result.vectors, { wordsPerSec: result.wordsPerSec, effectiveWords: result.effectiveWords, sequences: nSeq, kernel: result.kernel, threads })
  // The per-epoch losses, for the run's charts (the trainer runs all epochs in one go).
  const wordsPerEpoch = result.effectiveWords / params.epochs
  for (let e = 0; e < result.lossPerEpoch.length; e++) {
    await ctx.onEpoch({ epoch: e + 1, epochs: params.epochs, loss: result.lossPerEpoch[e]!, predictor, examples: wordsPerEpoch })
  }
  return predictor
}

export class Item2vecPredictor implements Predictor {
  readonly kind = 'item2vec'
  readonly trainedWith: { backend?: string; threads?: number } | undefined
  private readonly userNorm: Float32Array
  private readonly itemNorm: Float32Array

  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    readonly dim: number,
    readonly users: Float32Array,
    readonly items: Float32Array,
    readonly info: Record<string, unknown> = {},
  ) {
    this.trainedWith = typeof info.kernel === 'string' && typeof info.threads === 'number' ? { backend: info.kernel, threads: info.threads } : undefined
    this.userNorm = norms(users, nUsers, dim)
    this.itemNorm = norms(items, nItems, dim)
  }

  predict(n: number, user: Int32Array, item: Int32Array, out: Float32Array): void {
    const d = this.dim
    for (let k = 0; k < n; k++) {
      const u = user[k]!
      const i = item[k]!
      if (u < 0 || u >= this.nUsers || i < 0 || i >= this.nItems) {
        out[k] = Number.NaN
        continue
      }
      let dot = 0
      for (let f = 0; f < d; f++) dot += this.users[u * d + f]! * this.items[i * d + f]!
      const nn = this.userNorm[u]! * this.itemNorm[i]!
      out[k] = nn > 0 ? dot / nn : 0
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    const d = this.dim
    const nu = this.userNorm[user] ?? 0
    for (let i = 0; i < this.nItems; i++) {
      let dot = 0
      for (let f = 0; f < d; f++) dot += this.users[user * d + f]! * this.items[i * d + f]!
      const nn = nu * this.itemNorm[i]!
      out[i] = nn > 0 ? dot / nn : 0
    }
  }

  save(): SavedModel {
    return { kind: this.kind, header: { nUsers: this.nUsers, nItems: this.nItems, dim: this.dim, ...this.info }, arrays: { users: this.users, items: this.items } }
  }

  embeddings(): { left: Table; right: Table } {
    return { left: { rows: this.nUsers, dim: this.dim, data: this.users }, right: { rows: this.nItems, dim: this.dim, data: this.items } }
  }
}

export const loadItem2vec: Loader = (saved) => {
  if (saved.kind !== 'item2vec') throw new Error(`Expected an item2vec model, got “${saved.kind}”.`)
  const h = saved.header as { nUsers: number; nItems: number; dim: number }
  const { users, items } = saved.arrays
  if (!(users instanceof Float32Array) || !(items instanceof Float32Array) || users.length !== h.nUsers * h.dim || items.length !== h.nItems * h.dim) {
    throw new Error('The saved item2vec model is damaged: its tables do not match its header.')
  }
  const { nUsers, nItems, dim, ...info } = saved.header as Record<string, unknown> & { nUsers: number; nItems: number; dim: number }
  return new Item2vecPredictor(nUsers, nItems, dim, users, items, info)
}

function norms(m: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows)
  for (let r = 0; r < rows; r++) {
    let s = 0
    for (let f = 0; f < dim; f++) s += m[r * dim + f]! ** 2
    out[r] = Math.sqrt(s)
  }
  return out
}
