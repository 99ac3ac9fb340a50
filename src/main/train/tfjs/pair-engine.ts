/**
 * The entity-pair model on TensorFlow.js (the math is ../engine.ts's):
 *
 *   û = l2(left[i]), v̂ = l2(right[j]),  l2(x) = x · rsqrt(max(Σx², 1e-12))   (Keras l2_normalize)
 *   c = û · v̂
 *   classification: z = w·c + b, loss = softplus(z) − y·z;  regression: loss = (c − y)²
 *   batch loss = mean; one optimizer step = tf.train optimizer on the dense gradients.
 *
 * Three tf.Variables: left (nLeft × dim), right (nRight × dim), head [w, b]
 * (regression never trains head). Gradients of tf.gather are dense tables
 * built by UnsortedSegmentSum (our kernel on cpu and wasm), so every row is
 * updated every step: the "dense" optimizer semantics of ../engine.ts.
 *
 * Optimizers, tf.train's own: sgd(lr); adagrad(lr, 0.1), which divides by
 * sqrt(a + 1e-7); adam(lr, 0.9, 0.999, 1e-7), which computes
 * θ ← θ − lr·m̂/(sqrt(v̂) + 1e-7), m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), with β^t
 * as float32 running products. The sparse engine computes exactly these
 * (../sparse/index.ts); ../engine.ts's Adam line puts ε on sqrt(v) instead
 * (Keras), which differs where sqrt(v) is near 1e-7.
 */
import * as tf from '@tensorflow/tfjs'
import type { EngineInfo } from '../../../shared/train'
import { ADAM, type Batch, type EngineOptions, type EngineState, type PairEngine, type PairModelConfig, type PairTables, type StepResult } from '../engine'
import { releaseBackend, selectBackend, type TfjsBackendChoice } from './backends'

export interface TfjsEngineOptions extends EngineOptions {
  backend?: TfjsBackendChoice
}

export { ADAM }
export const ADAGRAD_INITIAL = 0.1
const NORM_EPSILON = 1e-12

type TableName = 'left' | 'right' | 'head'
type NamedTensor = Parameters<tf.Optimizer['setWeights']>[0][number]

export function makeOptimizer(config: Pick<PairModelConfig, 'optimizer' | 'learningRate'>): tf.Optimizer {
  switch (config.optimizer) {
    case 'sgd':
      return tf.train.sgd(config.learningRate)
    case 'adagrad':
      return tf.train.adagrad(config.learningRate, ADAGRAD_INITIAL)
    case 'adam':
      return tf.train.adam(config.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon)
  }
}

/** Slot names per optimizer, in tfjs' getWeights() order for each table. */
function slotKinds(config: PairModelConfig): { kind: string; initial: number }[] {
  switch (config.optimizer) {
    case 'sgd':
      return []
    case 'adagrad':
      return [{ kind: 'a', initial: ADAGRAD_INITIAL }]
    case 'adam':
      return [
        { kind: 'm', initial: 0 },
        { kind: 'v', initial: 0 },
      ]
  }
}

let nextEngineId = 1

export async function createPairEngine(options: TfjsEngineOptions): Promise<PairEngine> {
  const selected = await selectBackend(options.backend ?? 'auto', { retain: true })
  const info: EngineInfo = {
    engine: 'tfjs',
    backend: selected.backend,
    device: selected.device,
    threads: selected.threads,
    versions: { ...selected.versions },
  }
  try {
    return new TfjsPairEngine(options, info)
  } catch (e) {
    releaseBackend()
    throw e
  }
}

interface Forward {
  loss: tf.Scalar
  accuracy: tf.Scalar
}

class TfjsPairEngine implements PairEngine {
  readonly info: EngineInfo
  private readonly config: PairModelConfig
  private readonly left: tf.Variable
  private readonly right: tf.Variable
  private readonly head: tf.Variable
  /** The variables the optimizer trains, in a fixed order (regression leaves head out). */
  private readonly trained: { name: TableName; variable: tf.Variable }[]
  private readonly optimizer: tf.Optimizer
  private disposed = false

  constructor(options: TfjsEngineOptions, info: EngineInfo) {
    const m = options.model
    checkTables(m, options.init)
    this.info = info
    this.config = { ...m }
    const id = nextEngineId++
    // Copies: the cpu backend would otherwise keep the caller's arrays as its storage.
    this.left = tf.tidy(() => tf.variable(tf.tensor2d(options.init.left.slice(), [m.nLeft, m.dim]), true, `pairs${id}/left`))
    this.right = tf.tidy(() => tf.variable(tf.tensor2d(options.init.right.slice(), [m.nRight, m.dim]), true, `pairs${id}/right`))
    this.head = tf.tidy(() => tf.variable(tf.tensor1d(options.init.head.slice(0, 2)), m.variant === 'classification', `pairs${id}/head`))
    this.trained = [
      { name: 'left', variable: this.left },
      { name: 'right', variable: this.right },
    ]
    if (m.variant === 'classification') this.trained.push({ name: 'head', variable: this.head })
    this.optimizer = makeOptimizer(m)
  }

  async step(batch: Batch): Promise<StepResult> {
    this.checkAlive()
    const inputs = this.inputs(batch)
    const kept: { accuracy?: tf.Scalar } = {}
    let out: tf.Tensor
    try {
      out = tf.tidy(() => {
        const cost = this.optimizer.minimize(
          () => {
            const f = this.forward(inputs)
            kept.accuracy = tf.keep(f.accuracy)
            return f.loss
          },
          true,
          this.variables(),
        )
        if (!cost || !kept.accuracy) throw new Error('the tfjs optimizer returned no loss')
        return tf.stack([cost, kept.accuracy])
      })
    } finally {
      kept.accuracy?.dispose()
      disposeInputs(inputs)
    }
    try {
      const values = await out.data()
      return { loss: values[0]!, accuracy: values[1]! }
    } finally {
      out.dispose()
    }
  }

  async lossAndGradients(batch: Batch): Promise<{ loss: number; grads: PairTables }> {
    this.checkAlive()
    const inputs = this.inputs(batch)
    let result: { value: tf.Scalar; grads: tf.NamedTensorMap }
    try {
      result = tf.variableGrads(() => this.forward(inputs).loss, this.variables())
    } finally {
      disposeInputs(inputs)
    }
    const { value, grads } = result
    try {
      const m = this.config
      // tf.gather's gradient is a dense table (UnsortedSegmentSum), never sparse slices.
      const read = async (v: tf.Variable, size: number) => {
        const g = grads[v.name]
        return g ? new Float32Array(await g.data()) : new Float32Array(size)
      }
      return {
        loss: (await value.data())[0]!,
        grads: {
          left: await read(this.left, m.nLeft * m.dim),
          right: await read(this.right, m.nRight * m.dim),
          // Regression never reads head: its gradient is zero.
          head: m.variant === 'classification' ? await read(this.head, 2) : new Float32Array(2),
        },
      }
    } finally {
      value.dispose()
      tf.dispose(Object.values(grads))
    }
  }

  async weights(): Promise<PairTables> {
    this.checkAlive()
    return {
      left: new Float32Array(await this.left.data()),
      right: new Float32Array(await this.right.data()),
      head: new Float32Array(await this.head.data()),
    }
  }

  async saveState(): Promise<EngineState> {
    this.checkAlive()
    const tables = await this.weights()
    const weights = await this.optimizer.getWeights()
    try {
      const [iter, ...slotTensors] = weights
      const step = iter ? (await iter.tensor.data())[0]! : 0
      const slots: Record<string, Float32Array> = {}
      const kinds = slotKinds(this.config)
      const n = this.trained.length
      // Before the first step tfjs has no slot variables yet: report their initial values.
      for (let k = 0; k < kinds.length; k++) {
        for (let i = 0; i < n; i++) {
          const { name, variable } = this.trained[i]!
          const t = slotTensors[k * n + i]?.tensor
          slots[`${name}.${kinds[k]!.kind}`] = t ? new Float32Array(await t.data()) : new Float32Array(variable.size).fill(kinds[k]!.initial)
        }
      }
      return { tables, slots, step }
    } finally {
      // Only the iteration scalar is a fresh tensor; the slots are the optimizer's own variables.
      weights[0]?.tensor.dispose()
    }
  }

  async loadState(state: EngineState): Promise<void> {
    this.checkAlive()
    const m = this.config
    checkTables(m, state.tables)
    const kinds = slotKinds(m)
    const named: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(state.step, 'int32') }]
    try {
      for (const { kind } of kinds) {
        for (const { name, variable } of this.trained) {
          const values = state.slots[`${name}.${kind}`]
          if (!values || values.length !== variable.size) {
            throw new Error(`state has no ${name}.${kind} slot of ${variable.size} values for ${m.optimizer}`)
          }
          named.push({ name: `${variable.name}/${kind}`, tensor: tf.tensor(values.slice(), variable.shape) })
        }
      }
      if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`bad optimizer step ${state.step}`)
      tf.tidy(() => {
        this.left.assign(tf.tensor2d(state.tables.left.slice(), [m.nLeft, m.dim]))
        this.right.assign(tf.tensor2d(state.tables.right.slice(), [m.nRight, m.dim]))
        this.head.assign(tf.tensor1d(state.tables.head.slice(0, 2)))
      })
      // setWeights replaces the slot variables without disposing the old ones.
      const old = (await this.optimizer.getWeights()).map((w) => w.tensor)
      await this.optimizer.setWeights(named)
      tf.dispose(old)
      if (m.optimizer === 'adam') this.restoreAdamPowers(state.step)
    } finally {
      // setWeights made variables of these (sharing their data): our handles go.
      tf.dispose(named.map((w) => w.tensor))
    }
  }

  /**
   * tfjs keeps β1^t and β2^t as float32 running products (accBeta ← accBeta·β
   * each step), but setWeights recomputes them with pow(), which differs in
   * the last bit: restore the running products so a resumed run is exact.
   */
  private restoreAdamPowers(step: number): void {
    const adam = this.optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable }
    if (!adam.accBeta1 || !adam.accBeta2) return
    const running = (beta: number) => {
      const b = Math.fround(beta)
      let acc = b
      for (let i = 0; i < step; i++) acc = Math.fround(acc * b)
      return acc
    }
    tf.tidy(() => {
      adam.accBeta1!.assign(tf.scalar(running(ADAM.beta1)))
      adam.accBeta2!.assign(tf.scalar(running(ADAM.beta2)))
    })
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    this.optimizer.dispose()
    this.left.dispose()
    this.right.dispose()
    this.head.dispose()
    releaseBackend()
  }

  private variables(): tf.Variable[] {
    return this.trained.map((t) => t.variable)
  }

  private forward(inputs: BatchTensors): Forward {
    const u = l2Normalize(tf.gather(this.left, inputs.left))
    const v = l2Normalize(tf.gather(this.right, inputs.right))
    const c = tf.sum(tf.mul(u, v), 1)
    const y = inputs.label
    if (this.config.variant === 'classification') {
      const z = tf.add(tf.mul(c, tf.slice(this.head, 0, 1)), tf.slice(this.head, 1, 1))
      const loss = tf.mean(tf.sub(tf.softplus(z), tf.mul(y, z))) as tf.Scalar
      return { loss, accuracy: accuracyOf(tf.greater(z, 0), tf.equal(y, 1)) }
    }
    const loss = tf.mean(tf.square(tf.sub(c, y))) as tf.Scalar
    return { loss, accuracy: accuracyOf(tf.greater(c, 0), tf.greater(y, 0)) }
  }

  private inputs(batch: Batch): BatchTensors {
    const m = this.config
    const n = batch.size
    if (!Number.isInteger(n) || n <= 0) throw new Error(`batch size must be a positive integer, got ${n}`)
    if (batch.left.length < n || batch.right.length < n || batch.label.length < n) throw new Error(`batch arrays are shorter than its size ${n}`)
    const left = batch.left.slice(0, n)
    const right = batch.right.slice(0, n)
    // The wasm gather does not check its indices: a bad id would read another tensor's memory.
    checkIds(left, m.nLeft, 'left')
    checkIds(right, m.nRight, 'right')
    return {
      left: tf.tensor1d(left, 'int32'),
      right: tf.tensor1d(right, 'int32'),
      label: tf.tensor1d(batch.label.slice(0, n), 'float32'),
    }
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this tfjs engine was disposed')
  }
}

interface BatchTensors {
  left: tf.Tensor1D
  right: tf.Tensor1D
  label: tf.Tensor1D
}

function disposeInputs(inputs: BatchTensors): void {
  inputs.left.dispose()
  inputs.right.dispose()
  inputs.label.dispose()
}

function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), 1, true), NORM_EPSILON)))
}

function accuracyOf(predicted: tf.Tensor, actual: tf.Tensor): tf.Scalar {
  return tf.mean(tf.cast(tf.equal(predicted, actual), 'float32')) as tf.Scalar
}

function checkIds(ids: Int32Array, rows: number, side: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!
    if (id < 0 || id >= rows) throw new RangeError(`${side} id ${id} at ${i} is outside 0..${rows - 1}`)
  }
}

function checkTables(m: PairModelConfig, t: PairTables): void {
  if (t.left.length !== m.nLeft * m.dim) throw new Error(`left table has ${t.left.length} values, expected ${m.nLeft} × ${m.dim}`)
  if (t.right.length !== m.nRight * m.dim) throw new Error(`right table has ${t.right.length} values, expected ${m.nRight} × ${m.dim}`)
  if (t.head.length < 2) throw new Error('head must hold [w, b]')
}
