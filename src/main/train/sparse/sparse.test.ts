/**
 * The sparse engine's own parts: the WAT assembler, the SIMD kernels against
 * the JS kernels (the reference), the arena layout, input checks. The engine
 * contract itself is ../engines.test.ts.
 */
import { readFileSync } from 'node:fs'
import { transformWithEsbuild } from 'vite'
import { describe, expect, it } from 'vitest'
import type { Batch, PairModelConfig } from '../engine'
import { initPairTables } from '../init'
import { Random } from '../../lib/random'
import { createSparseEngine, liveSparseWorkers, sparseEngineAvailable } from '.'
import type { ArenaLayout } from './layout'
import { computeLayout } from './layout'
import { KERNELS_WAT, simdKernelsModule } from './simd'
import { wasmApi } from './wasm-api'
import { assembleWat } from './wat'

function randomBatch(rng: Random, size: number, m: Pick<PairModelConfig, 'nLeft' | 'nRight' | 'variant'>): Batch {
  return {
    size,
    left: Int32Array.from({ length: size }, () => rng.int(m.nLeft)),
    right: Int32Array.from({ length: size }, () => rng.int(m.nRight)),
    label: Float32Array.from({ length: size }, () => (rng.chance(0.5) ? 1 : m.variant === 'regression' ? -1 : 0)),
  }
}

describe('WAT assembler', () => {
  it('assembles locals, loops, branches, memory and f32x4 SIMD into a module that runs', () => {
    // Σ of n floats at p, four lanes at a time (n a multiple of 4).
    const bytes = assembleWat(`
      (module
        (import "env" "memory" (memory 1 1 shared))
        (func $sum (export "sum") (param $p i32) (param $n i32) (result f64)
          (local $acc v128) (local $o i32)
          block $done
            local.get $n
            i32.eqz
            br_if $done
            loop $next
              local.get $acc
              local.get $p
              local.get $o
              i32.add
              v128.load
              f32x4.add
              local.set $acc
              local.get $o
              i32.const 16
              i32.add
              local.tee $o
              local.get $n
              i32.const 4
              i32.mul
              i32.lt_s
              br_if $next
            end
          end
          local.get $acc
          f32x4.extract_lane 0
          local.get $acc
          f32x4.extract_lane 1
          f32.add
          local.get $acc
          f32x4.extract_lane 2
          local.get $acc
          f32x4.extract_lane 3
          f32.add
          f32.add
          f64.promote_f32
        ))`)
    const wasm = wasmApi()
    expect(wasm.validate(bytes)).toBe(true)
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: true })
    const sum = new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports.sum as (p: number, n: number) => number
    const values = Float32Array.from({ length: 12 }, (_, i) => i + 0.5)
    new Float32Array(memory.buffer).set(values, 16)
    expect(sum(64, 12)).toBe(values.reduce((a, b) => a + b, 0)) // small integers + halves: exact in float32
    expect(sum(64, 0)).toBe(0)
  })

  it('folded instructions assemble to the same bytes as their flat form', () => {
    const flat = `(module (import "env" "memory" (memory 1 1 shared))
      (func $f (export "f") (param $p i32) (result i32) (local $n i32)
        block $out
          loop $again
            local.get $p
            i32.load offset=8
            i32.eqz
            if
              br $out
            else
              local.get $n
              i32.const 1
              i32.add
              local.set $n
            end
            local.get $n
            i32.const 3
            i32.lt_s
            br_if $again
          end
        end
        local.get $n))`
    const folded = `(module (import "env" "memory" (memory 1 1 shared))
      (func $f (export "f") (param $p i32) (result i32) (local $n i32)
        (block $out
          (loop $again
            (if (i32.eqz (i32.load offset=8 (local.get $p)))
              (then (br $out))
              (else (local.set $n (i32.add (local.get $n) (i32.const 1)))))
            (br_if $again (i32.lt_s (local.get $n) (i32.const 3)))))
        (local.get $n)))`
    expect(Array.from(assembleWat(folded))).toEqual(Array.from(assembleWat(flat)))
    const wasm = wasmApi()
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: true })
    const f = new wasm.Instance(new wasm.Module(assembleWat(folded)), { env: { memory } }).exports.f as (p: number) => number
    expect(f(0)).toBe(0) // the word at 8 is 0: out at once
    new Int32Array(memory.buffer)[2] = 1
    expect(f(0)).toBe(3)
  })

  it.each([
    ['an unknown instruction', '(module (func $f i32.frobnicate))', /unknown instruction i32\.frobnicate/],
    ['an unknown local', '(module (func $f local.get $nope drop))', /unknown local \$nope/],
    ['an unknown label', '(module (func $f br $nowhere))', /unknown label \$nowhere/],
    ['a block with a result', '(module (func $f (block (result i32) (i32.const 1)) drop))', /block results are not supported/],
    ['a folded if without then', '(module (func $f (if (i32.const 1) nop)))', /folded if without/],
    ['a missing end', '(module (func $f block))', /missing end/],
  ])('rejects %s with its name', (_, text, message) => {
    expect(() => assembleWat(text)).toThrow(message)
  })

  it('assembles the kernels, which this Node accepts (SIMD + threads)', () => {
    expect(wasmApi().validate(assembleWat(KERNELS_WAT))).toBe(true)
    expect(simdKernelsModule()).not.toBeNull()
    expect(sparseEngineAvailable()).toMatchObject({ available: true, backend: 'wasm-simd' })
  })
})

describe('the worker source', () => {
  // Workers run sparseThreadProgram.toString(): a transpiler must not have put calls to its
  // module-level helpers in there (esbuild's keepNames, used by tsx, wraps named functions).
  it.each([{ minify: false }, { minify: true }])('has no transpiler helpers with keepNames (minify $minify)', async ({ minify }) => {
    const source = readFileSync(new URL('./program.ts', import.meta.url), 'utf8')
    const { code } = await transformWithEsbuild(source, 'program.ts', { keepNames: true, minify, format: 'esm' })
    const mod = (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as Record<string, unknown>
    const program = Object.values(mod).find((v) => typeof v === 'function') as () => unknown
    const text = program.toString()
    expect(text).toContain('workerMain')
    // Every free identifier must be a global: evaluate it as the worker does, in a fresh function scope.
    const started = new Function(`'use strict'; return (${text})()`)() as { workerMain: unknown; createThread: unknown }
    expect(typeof started.workerMain).toBe('function')
    // The helper esbuild defines for keepNames, whatever the minifier renamed it to:
    // `NAME = (target, value) => defineProperty(target, "name", …)`.
    const helper = /([\w$]+)\s*=\s*\(\s*([\w$]+)\s*,\s*[\w$]+\s*\)\s*=>\s*[\w$.]+\(\s*\2\s*,\s*"name"/.exec(code)?.[1]
    expect(helper).toBeDefined() // keepNames did add it to the module…
    expect(text).not.toMatch(new RegExp(`(^|[^\\w$.])${helper!.replace(/\$/g, '\\$')}\\(`)) // …but not inside the program
  })
})

describe('SIMD kernels', () => {
  it('exp(x) for x ≤ 0 within 1e-9 relative of Math.exp, 0 far below, NaN kept', () => {
    const wasm = wasmApi()
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: true })
    const expneg = new wasm.Instance(simdKernelsModule()!, { env: { memory } }).exports.expneg as (x: number) => number
    for (let x = 0; x >= -700; x -= 0.37) expect(Math.abs(expneg(x) - Math.exp(x)) / Math.exp(x)).toBeLessThan(1e-9)
    expect(expneg(0)).toBe(1)
    expect(expneg(-800)).toBe(0)
    expect(expneg(-Infinity)).toBe(0)
    expect(expneg(NaN)).toBeNaN()
  })

  // Every optimizer × variant × semantics, odd dim (padding), several threads: SIMD = JS up to float rounding.
  const cases = (['adam', 'adagrad', 'sgd'] as const).flatMap((optimizer) =>
    (['classification', 'regression'] as const).flatMap((variant) => (['lazy', 'dense'] as const).map((semantics) => ({ optimizer, variant, semantics }))),
  )
  it.each(cases)('$optimizer, $variant, $semantics: 30 steps equal the JS kernels', async ({ optimizer, variant, semantics }) => {
    const m: PairModelConfig = { variant, dim: 7, nLeft: 23, nRight: 17, optimizer, learningRate: optimizer === 'sgd' ? 0.5 : 0.02 }
    const init = initPairTables({ dim: m.dim, initScale: 0.1, seed: 5 }, m.nLeft, m.nRight)
    const rng = new Random(8)
    const batches = Array.from({ length: 30 }, () => randomBatch(rng, 40, m))
    const run = async (backend: 'js' | 'wasm-simd', threads: number) => {
      const engine = await createSparseEngine({ model: m, init, threads, semantics }, { backend })
      try {
        expect(engine.info.backend).toBe(backend)
        const losses: number[] = []
        for (const b of batches) losses.push((await engine.step(b)).loss)
        return { losses, w: await engine.weights() }
      } finally {
        await engine.dispose()
      }
    }
    const js = await run('js', 1)
    for (const simd of [await run('wasm-simd', 1), await run('wasm-simd', 2), await run('wasm-simd', 3)]) {
      for (let s = 0; s < js.losses.length; s++) expect(Math.abs(simd.losses[s]! - js.losses[s]!)).toBeLessThan(1e-5 * Math.abs(js.losses[s]!) + 1e-9)
      for (const side of ['left', 'right', 'head'] as const) {
        const a = simd.w[side], b = js.w[side]
        for (let k = 0; k < a.length; k++) expect(Math.abs(a[k]! - b[k]!)).toBeLessThan(2e-5 * Math.max(1, Math.abs(b[k]!)))
      }
    }
  })

  it('losses with large logits (the product of 1 + e rescaled past 2^512) equal the JS kernels', async () => {
    // w = 40: |z| up to 40, e = exp(−|z|) tiny or near 1, 3,000 examples a thread.
    const m: PairModelConfig = { variant: 'classification', dim: 4, nLeft: 50, nRight: 50, optimizer: 'sgd', learningRate: 0 }
    const init = initPairTables({ dim: m.dim, initScale: 0.1, seed: 2 }, m.nLeft, m.nRight)
    init.head.set([40, 0.5])
    const batch = randomBatch(new Random(3), 6000, m)
    const loss = async (backend: 'js' | 'wasm-simd') => {
      const engine = await createSparseEngine({ model: m, init, threads: 2 }, { backend })
      try {
        return (await engine.lossAndGradients(batch)).loss
      } finally {
        await engine.dispose()
      }
    }
    const [js, simd] = [await loss('js'), await loss('wasm-simd')]
    expect(Math.abs(simd - js)).toBeLessThan(1e-6 * js)
  })
})

describe('arena layout', () => {
  it('puts records on cache lines and regions side by side without overlap', () => {
    const L = computeLayout({ dim: 50, nLeft: 1000, nRight: 777, slots: 2, threads: 3, capacity: 5000 })
    expect(L.P).toBe(52)
    expect(L.rec % 64).toBe(0)
    expect(L.rec).toBeGreaterThanOrEqual(3 * 52 * 4)
    const regions: [number, number][] = [
      [L.left.base, L.left.rows * L.rec],
      [L.right.base, L.right.rows * L.rec],
      [L.batch.left, 4 * 5000],
      [L.batch.right, 4 * 5000],
      [L.batch.label, 4 * 5000],
      [L.zero, 4 * L.P],
      ...L.thread.flatMap((R): [number, number][] => [
        [R.block, 128],
        [R.stampL, 4000],
        [R.gradsL, 4 * L.P * 1000],
        [R.gradsR, 4 * L.P * 777],
        [R.update, 8 * Math.ceil(1000 / 3)],
      ]),
    ]
    regions.sort((a, b) => a[0] - b[0])
    for (let i = 0; i < regions.length; i++) {
      expect(regions[i]![0] % 64).toBe(0)
      if (i > 0) expect(regions[i]![0]).toBeGreaterThanOrEqual(regions[i - 1]![0] + regions[i - 1]![1])
    }
    expect(L.bytes).toBeGreaterThanOrEqual(regions.at(-1)![0] + regions.at(-1)![1])
  })
})

describe('input checks', () => {
  const m: PairModelConfig = { variant: 'classification', dim: 3, nLeft: 4, nRight: 4, optimizer: 'adam', learningRate: 0.01 }
  const init = () => initPairTables({ dim: 3, initScale: 0.1, seed: 1 }, 4, 4)

  it('refuses a batch with a row outside the tables, an empty batch, a bad state', async () => {
    const engine = await createSparseEngine({ model: m, init: init(), threads: 2 })
    try {
      const bad: Batch = { size: 2, left: Int32Array.from([0, 4]), right: Int32Array.from([0, 1]), label: Float32Array.from([1, 0]) }
      await expect(engine.step(bad)).rejects.toThrow(/outside 4 × 4/)
      await expect(engine.step({ ...bad, size: 0 })).rejects.toThrow(/empty/)
      const state = await engine.saveState()
      await expect(engine.loadState({ ...state, slots: {} })).rejects.toThrow(/left\.m/)
      // still usable after refusing
      const good: Batch = { ...bad, left: Int32Array.from([0, 3]) }
      expect(Number.isFinite((await engine.step(good)).loss)).toBe(true)
    } finally {
      await engine.dispose()
    }
  })

  it('refuses initial tables of the wrong size', async () => {
    const t = init()
    await expect(createSparseEngine({ model: { ...m, nLeft: 5 }, init: t })).rejects.toThrow(/init\.left/)
  })
})

describe('a failing thread', () => {
  it('fails the step with its error instead of hanging, and the engine stays failed', async () => {
    const m: PairModelConfig = { variant: 'classification', dim: 4, nLeft: 10, nRight: 10, optimizer: 'adam', learningRate: 0.01 }
    const before = liveSparseWorkers()
    const engine = await createSparseEngine({ model: m, init: initPairTables({ dim: 4, initScale: 0.1, seed: 1 }, 10, 10), threads: 2 })
    const batch = randomBatch(new Random(1), 32, m)
    expect(Number.isFinite((await engine.step(batch)).loss)).toBe(true)
    // Point worker 1's stamp array far outside the arena: its kernel traps.
    const inner = engine as unknown as { memory: { buffer: SharedArrayBuffer }; layout: ArenaLayout }
    new Int32Array(inner.memory.buffer)[inner.layout.thread[1]!.block >>> 2] = 0x7ffffff0
    await expect(engine.step(batch)).rejects.toThrow(/thread 1: RuntimeError/)
    await expect(engine.step(batch)).rejects.toThrow(/thread 1/)
    await engine.dispose()
    for (let i = 0; i < 50 && liveSparseWorkers() > before; i++) await new Promise((r) => setTimeout(r, 10))
    expect(liveSparseWorkers()).toBe(before)
  })
})
