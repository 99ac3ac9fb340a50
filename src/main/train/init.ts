/**
 * Initial weights of the entity-pair model, seeded, so that every engine
 * starts from the same point: embeddings uniform in ±initScale (Keras'
 * Embedding default is ±0.05), the head's w Glorot-uniform for a 1×1 kernel
 * (±sqrt(6/2)), b = 0.
 */
import type { PairModelParams } from '../../shared/train'
import { Random } from '../lib/random'
import type { PairTables } from './engine'

export function initPairTables(params: Pick<PairModelParams, 'dim' | 'initScale' | 'seed'>, nLeft: number, nRight: number): PairTables {
  const rng = new Random(params.seed)
  const fill = (n: number) => {
    const a = new Float32Array(n * params.dim)
    for (let i = 0; i < a.length; i++) a[i] = (2 * rng.float() - 1) * params.initScale
    return a
  }
  const left = fill(nLeft)
  const right = fill(nRight)
  const limit = Math.sqrt(6 / 2)
  const head = new Float32Array([(2 * rng.float() - 1) * limit, 0])
  return { left, right, head }
}
