import { beforeAll, it } from 'vitest'
import { AutoRecParams } from '../../../shared/ratings'
import { selectBackend } from '../../train/tfjs/backends'
import { fitAutoRec } from './autorec'
import { biasBaselineRmse, globalMeanRmse, recordingContext, syntheticRatings, testRmse } from './testing'
import type { FitContext } from '../model'

beforeAll(async () => {
  await selectBackend('auto')
})

it('explore', async () => {
  const configs = JSON.parse(process.env.AR ?? '[{}]') as Partial<AutoRecParams>[]
  const split = syntheticRatings(Number(process.env.SPLIT ?? 1))
  console.log(`mean ${globalMeanRmse(split).toFixed(4)} bias ${biasBaselineRmse(split).toFixed(4)}`)
  for (const over of configs) {
    const params = { ...AutoRecParams.parse({ model: 'autorec' }), ...over }
    const curve: string[] = []
    const every = Number(process.env.EVERY ?? 0)
    const base = recordingContext()
    const ctx: FitContext = {
      ...base,
      async onEpoch(r) {
        if (every && r.epoch % every === 0) curve.push(`${r.epoch}:${testRmse(r.predictor, split).toFixed(4)}`)
        return base.onEpoch(r)
      },
    }
    const t0 = performance.now()
    const p = await fitAutoRec(split.data, params, ctx)
    const s = (performance.now() - t0) / 1000
    console.log(`${JSON.stringify(over)} rmse ${testRmse(p, split).toFixed(4)} ${s.toFixed(1)}s ${curve.join(' ')}`)
  }
}, 3_600_000)
