/**
 * The two MF engines agree: ../mf.ts (sparse, float64 loss) and ./mf.ts
 * (tfjs, float32) compute the same L(B) and gradients, and with batchSize > 1
 * train the same model from the same seed (same init, same shuffles, same
 * step θ − (η/2)·|B|·∇L(B)), up to float32 rounding.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { MfParams } from '../../../shared/ratings'
import { Random } from '../../lib/random'
import { selectBackend } from '../../train/tfjs/backends'
import { fitMf, loadMf, mfLossAndGradients } from '../mf'
import type { RatingTriples } from '../model'
import { normalArray } from './common'
import type { MfTables } from '../mf'
import { fitMfTfjs, mfLossAndGradientsTfjs } from './mf'
import { expectClose, predictAll, recordingContext, roundTrip, subset, syntheticRatings } from './testing'

function tinyTables(biases: boolean, seed = 5): MfTables {
  const rng = new Random(seed)
  return { nUsers: 3, nItems: 4, dim: 3, mu: biases ? 3.2 : 0, biases, P: normalArray(rng, 9, 0.5), Q: normalArray(rng, 12, 0.5), bu: normalArray(rng, 3, 0.3), bi: normalArray(rng, 4, 0.3) }
}

const BATCH: RatingTriples = { n: 5, user: Int32Array.of(0, 1, 0, 2, 2), item: Int32Array.of(1, 2, 3, 1, 0), rating: Float32Array.of(4, 2, 5, 3, 1.5) }

describe('MF: the sparse and the tfjs engine agree', () => {
  beforeAll(async () => {
    await selectBackend('auto')
  })

  it.each([true, false])('same loss and gradients on a tiny case (biases %s)', async (biases) => {
    const t = tinyTables(biases)
    const reg = 0.07
    const cpu = mfLossAndGradients(t, BATCH, { reg })
    const gpu = await mfLossAndGradientsTfjs(t, BATCH, reg)
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-5)
    for (const name of ['P', 'Q', 'bu', 'bi'] as const) expectClose(gpu.grads[name], cpu.grads[name], 1e-5)
  })

  it('batchSize > 1: the same seed trains the same model on both engines', async () => {
    const split = subset(syntheticRatings(), 200, 150)
    const p = MfParams.parse({ model: 'mf', dim: 6, epochs: 2, batchSize: 32, learningRate: 0.02, reg: 0.05 })
    const sparse = await fitMf(split.data, p, { ...recordingContext(), engine: 'sparse' })
    const tfjs = await fitMfTfjs(split.data, p, recordingContext())
    expectClose(predictAll(tfjs, split.test), predictAll(sparse, split.test), 1e-3)
    // A tfjs-trained model loads with the sparse engine's loader.
    const loaded = loadMf(roundTrip(tfjs.save()))
    expect(Array.from(predictAll(loaded, split.test))).toEqual(Array.from(predictAll(tfjs, split.test)))
  })
})
