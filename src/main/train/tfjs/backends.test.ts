import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import type { Batch, PairModelConfig } from '../engine'
import { initPairTables } from '../init'
import { activeBackend } from './backends'
import { createTfjsEngine, detectTfjsBackends } from './index'

const installed = (pkg: string) => {
  try {
    createRequire(__filename).resolve(pkg)
    return true
  } catch {
    return false
  }
}
/** This machine has neither optional native package (the usual offline case). */
const noNative = !installed('@tensorflow/tfjs-node-gpu') && !installed('@tensorflow/tfjs-node')

const model: PairModelConfig = { variant: 'classification', dim: 8, nLeft: 30, nRight: 40, optimizer: 'adam', learningRate: 0.01 }
const init = initPairTables({ dim: 8, initScale: 0.05, seed: 3 }, 30, 40)
const batch: Batch = {
  size: 24,
  left: Int32Array.from({ length: 24 }, (_, i) => (i * 7) % 30),
  right: Int32Array.from({ length: 24 }, (_, i) => (i * 11) % 40),
  label: Float32Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
}

describe('the tfjs backend ladder', () => {
  it.skipIf(!noNative)('without tfjs-node, reports the native rungs unavailable and wasm and cpu available', async () => {
    const reports = await detectTfjsBackends()
    expect(reports.map((r) => r.backend)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
    const by = Object.fromEntries(reports.map((r) => [r.backend, r]))
    expect(by['tensorflow-gpu']).toMatchObject({ available: false, reason: expect.stringMatching(/tfjs-node-gpu: not installed/) })
    expect(by.tensorflow).toMatchObject({ available: false, reason: expect.stringMatching(/tfjs-node: not installed/) })
    expect(by.wasm).toMatchObject({ available: true, device: cpus()[0]!.model.trim() })
    expect(by.cpu).toMatchObject({ available: true })
  })

  it.skipIf(!noNative)('without tfjs-node, auto picks wasm (SIMD, one thread) and reports it', async () => {
    const engine = await createTfjsEngine({ model, init })
    expect(engine.info).toEqual({
      engine: 'tfjs',
      backend: 'wasm',
      device: cpus()[0]!.model.trim(),
      threads: 1,
      versions: { tfjs: tf.version.tfjs, 'tfjs-core': tf.version['tfjs-core'], 'tfjs-backend-wasm': expect.any(String) },
    })
    expect(tf.getBackend()).toBe('wasm')
    expect(activeBackend()?.backend).toBe('wasm')
    await engine.dispose()
  })

  it.skipIf(!noNative)('an explicit native backend that is not installed is refused with the reason', async () => {
    await expect(createTfjsEngine({ model, init, backend: 'tensorflow' })).rejects.toThrow(/not installed/)
    await expect(createTfjsEngine({ model, init, backend: 'tensorflow-gpu' })).rejects.toThrow(/not installed/)
  })

  it('never switches backend under a live engine; switches once it is gone', async () => {
    const first = await createTfjsEngine({ model, init, backend: 'wasm' })
    await expect(createTfjsEngine({ model, init, backend: 'cpu' })).rejects.toThrow(/while an engine is alive/)
    // 'auto' joins the backend in use.
    const second = await createTfjsEngine({ model, init })
    expect(second.info.backend).toBe('wasm')
    await first.dispose()
    await expect(createTfjsEngine({ model, init, backend: 'cpu' })).rejects.toThrow(/while an engine is alive/)
    await second.dispose()
    const onCpu = await createTfjsEngine({ model, init, backend: 'cpu' })
    expect(onCpu.info).toMatchObject({ backend: 'cpu', threads: 1, versions: { 'tfjs-backend-cpu': tf.version['tfjs-backend-cpu'] } })
    expect(tf.getBackend()).toBe('cpu')
    await onCpu.dispose()
  })

  it('wasm and cpu train the same numbers', async () => {
    const run = async (backend: 'wasm' | 'cpu') => {
      const engine = await createTfjsEngine({ model, init, backend })
      const losses: number[] = []
      for (let s = 0; s < 5; s++) losses.push((await engine.step(batch)).loss)
      const grads = await engine.lossAndGradients(batch)
      await engine.dispose()
      return { losses, grads }
    }
    const wasm = await run('wasm')
    const cpu = await run('cpu')
    for (let s = 0; s < 5; s++) expect(wasm.losses[s]).toBeCloseTo(cpu.losses[s]!, 5)
    for (const side of ['left', 'right', 'head'] as const) {
      const a = wasm.grads.grads[side]
      const b = cpu.grads.grads[side]
      let worst = 0
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
      expect(worst).toBeLessThan(1e-6)
    }
  })
})
