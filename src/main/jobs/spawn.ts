/**
 * Start a worker process: Electron's utilityProcess when running inside
 * Electron, child_process.fork under plain Node (headless mode, CLI, tests).
 * Both run the same module, src/main/worker.ts.
 */
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'

export interface WorkerHandle {
  readonly pid: number | undefined
  send(message: unknown): void
  onMessage(cb: (message: unknown) => void): void
  /** Called once when the process is gone; `detail` holds the tail of its stderr. */
  onExit(cb: (code: number | null, signal: string | null, detail: string) => void): void
  kill(): void
}

interface Entry {
  path: string
  execArgv: string[]
}

/** The worker module: the built `out/main/worker.js`, or the TypeScript source run through tsx. */
export function workerEntry(): Entry {
  // __dirname (not import.meta): it holds in the CommonJS build, under tsx and under vitest.
  const here = __dirname
  const marker = `${sep}out${sep}main`
  const at = here.lastIndexOf(marker)
  if (at >= 0) {
    const built = join(here.slice(0, at + marker.length), 'worker.js')
    if (existsSync(built)) return { path: built, execArgv: [] }
  }
  const source = resolve(here, '..', 'worker.ts')
  const tsx = createRequire(__filename).resolve('tsx')
  return { path: source, execArgv: ['--import', pathToFileURL(tsx).href] }
}

const STDERR_TAIL = 4000

/** Pass a worker's stderr through, keeping its tail for the job's error message. */
function tailOf(stream: NodeJS.ReadableStream | null | undefined): () => string {
  let tail = ''
  stream?.setEncoding('utf8')
  stream?.on('data', (chunk: string) => {
    process.stderr.write(chunk)
    tail = (tail + chunk).slice(-STDERR_TAIL)
  })
  return () => tail.trim()
}

export async function spawnWorker(name: string): Promise<WorkerHandle> {
  const entry = workerEntry()
  if (process.versions.electron) return spawnUtility(entry, name)
  return spawnFork(entry)
}

function spawnFork(entry: Entry): WorkerHandle {
  const child = fork(entry.path, [], {
    execArgv: entry.execArgv,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
  })
  const stderr = tailOf(child.stderr)
  return {
    pid: child.pid,
    send: (m) => {
      if (child.connected) child.send(m as never)
    },
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) =>
      child.once('exit', (code, signal) => {
        // stderr may still hold buffered output: let it drain first.
        setImmediate(() => cb(code, signal, stderr()))
      }),
    kill: () => {
      child.kill('SIGKILL')
    },
  }
}

async function spawnUtility(entry: Entry, name: string): Promise<WorkerHandle> {
  const { utilityProcess } = await import('electron')
  const child = utilityProcess.fork(entry.path, [], { serviceName: name, stdio: ['ignore', 'inherit', 'pipe'] })
  const stderr = tailOf(child.stderr)
  return {
    get pid() {
      return child.pid
    },
    send: (m) => child.postMessage(m),
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => child.once('exit', (code: number) => setImmediate(() => cb(code, null, stderr()))),
    kill: () => {
      child.kill()
    },
  }
}
