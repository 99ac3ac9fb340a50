/**
 * The tfjs-node(-gpu) rungs of the ladder, with a stand-in package: the real
 * ones cannot be installed offline. The stand-in does what tfjs-node-gpu's
 * index does (register a 'tensorflow' backend and switch to it on require)
 * with the cpu kernels, and claims a CUDA device unless told otherwise; a fake
 * nvidia-smi names the GPU. Each case runs in a child process, found through
 * NODE_PATH, so this process's tfjs is untouched.
 */
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const nodeRequire = createRequire(__filename)

const FAKE_PACKAGE = `
const tf = require(${JSON.stringify(nodeRequire.resolve('@tensorflow/tfjs'))})
if (process.env.FAKE_FAIL) throw new Error('libtensorflow.so.2: cannot open shared object file')
for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' })
tf.registerBackend('tensorflow', () => {
  const b = tf.findBackendFactory('cpu')()
  b.firstUse = false
  b.isGPUPackage = true
  b.isUsingGpuDevice = !process.env.FAKE_NO_GPU
  b.binding = { TF_Version: '2.9.1' }
  return b
}, 3)
const success = tf.setBackend('tensorflow')
if (!success) throw new Error('Could not initialize TensorFlow backend.')
`

const SCRIPT = `
import { createTfjsEngine, detectTfjsBackends } from ${JSON.stringify(resolve(__dirname, 'index.ts'))}
async function main() {
  const reports = await detectTfjsBackends()
  const n = 4, dim = 3
  const init = { left: new Float32Array(n * dim).fill(0.3), right: new Float32Array(n * dim).fill(0.2), head: new Float32Array([1, 0]) }
  const engine = await createTfjsEngine({ model: { variant: 'classification', dim, nLeft: n, nRight: n, optimizer: 'adam', learningRate: 0.1 }, init })
  const step = await engine.step({ size: 2, left: Int32Array.of(0, 1), right: Int32Array.of(2, 3), label: Float32Array.of(1, 0) })
  const info = engine.info
  await engine.dispose()
  process.stdout.write('\\n' + JSON.stringify({ reports, info, step }) + '\\n')
}
void main()
`

interface Outcome {
  reports: { backend: string; available: boolean; device: string; reason: string }[]
  info: { backend: string; device: string; versions: Record<string, string> }
  step: { loss: number }
}

let dir = ''

async function runWith(env: Record<string, string>): Promise<Outcome> {
  const tsx = pathToFileURL(nodeRequire.resolve('tsx')).href
  const { stdout } = await run(process.execPath, ['--import', tsx, join(dir, 'run.ts')], {
    env: { ...process.env, NODE_PATH: join(dir, 'node_modules'), PATH: `${join(dir, 'bin')}${delimiter}${process.env.PATH ?? ''}`, ...env },
    timeout: 60_000,
  })
  const last = stdout.trim().split('\n').pop() ?? ''
  return JSON.parse(last) as Outcome
}

describe.skipIf(process.platform === 'win32')('the native rungs (stand-in tfjs-node-gpu)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfjs-native-'))
    const pkg = join(dir, 'node_modules', '@tensorflow', 'tfjs-node-gpu')
    mkdirSync(pkg, { recursive: true })
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0-standin', main: 'index.js' }))
    writeFileSync(join(pkg, 'index.js'), FAKE_PACKAGE)
    mkdirSync(join(dir, 'bin'))
    writeFileSync(join(dir, 'bin', 'nvidia-smi'), '#!/bin/sh\necho "NVIDIA Stand-in 9000"\n')
    chmodSync(join(dir, 'bin', 'nvidia-smi'), 0o755)
    writeFileSync(join(dir, 'run.ts'), SCRIPT)
  })
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('uses the GPU when TensorFlow has one, named by nvidia-smi; falls back when it has none or fails to load', async () => {
    const [gpu, noDevice, broken] = await Promise.all([runWith({}), runWith({ FAKE_NO_GPU: '1' }), runWith({ FAKE_FAIL: '1' })])

    expect(gpu.info).toMatchObject({ backend: 'tensorflow-gpu', device: 'NVIDIA Stand-in 9000', versions: { '@tensorflow/tfjs-node-gpu': '4.22.0-standin', tensorflow: '2.9.1' } })
    expect(gpu.reports[0]).toMatchObject({ backend: 'tensorflow-gpu', available: true, device: 'NVIDIA Stand-in 9000' })

    expect(noDevice.info).toMatchObject({ backend: 'tensorflow', versions: { '@tensorflow/tfjs-node-gpu': '4.22.0-standin' } })
    expect(noDevice.reports[0]).toMatchObject({ available: false, reason: expect.stringMatching(/no CUDA device/) })
    expect(noDevice.reports[1]).toMatchObject({ backend: 'tensorflow', available: true })

    expect(broken.info.backend).toBe('wasm')
    expect(broken.reports[0]).toMatchObject({ available: false, reason: expect.stringMatching(/cannot open shared object file/) })

    // Same math whatever the backend.
    expect(gpu.step.loss).toBeCloseTo(broken.step.loss, 5)
    expect(noDevice.step.loss).toBeCloseTo(broken.step.loss, 5)
  })
})
