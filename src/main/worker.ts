/**
 * Entry of every worker process (utilityProcess under Electron,
 * child_process.fork under Node). Receives one `start` message, runs the
 * task, posts progress and exactly one final message, then waits to be killed.
 */
import type { StartMessage, WorkerMessage } from './jobs/protocol'
import { Reporter, TaskError, type Post } from './jobs/reporter'
import { runDiagnostic } from './jobs/diagnostic'

interface ParentPort {
  on(event: 'message', cb: (e: { data: unknown }) => void): void
  postMessage(m: unknown): void
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
const post: Post = parentPort
  ? (m) => parentPort.postMessage(m)
  : (m) => {
      process.send?.(m)
    }

function onStart(cb: (m: StartMessage) => void): void {
  const handle = (m: unknown) => {
    if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'start') cb(m as StartMessage)
  }
  if (parentPort) parentPort.on('message', (e) => handle(e.data))
  else process.on('message', handle)
}

function fail(err: unknown): WorkerMessage {
  if (err instanceof TaskError) return { type: 'error', error: err.jobError }
  const message = err instanceof Error ? err.message : String(err)
  return { type: 'error', error: { message, code: 'failed', badRows: null } }
}

// A forked worker whose owner has gone away has no one to report to.
if (!parentPort) process.on('disconnect', () => process.exit(1))

process.on('uncaughtException', (err) => {
  post(fail(err))
  process.stderr.write(`${err.stack ?? err}\n`)
  setTimeout(() => process.exit(1), 50)
})

onStart((m) => {
  const reporter = new Reporter(post)
  const run = async (): Promise<Record<string, unknown>> => {
    switch (m.task) {
      case 'diagnostic':
        return runDiagnostic(m.params, reporter)
      case 'import':
        return (await import('./data/tasks')).runImportTask(m.params, m.env, reporter)
      case 'samples':
        return (await import('./data/tasks')).runSamplesTask(m.params, m.env, reporter)
      case 'train':
        return (await import('./train/task')).runTrainTask(m.params, m.env, reporter)
      case 'project':
        return (await import('./maps/task')).runProjectTask(m.params, m.env, reporter)
      case 'export':
        return (await import('./export/task')).runExportTask(m.params, m.env, reporter)
    }
  }
  run().then(
    // Peak memory of this worker, for the benchmarks and the job record.
    (result) => reporter.result({ ...result, peakRssBytes: process.resourceUsage().maxRSS * 1024 }),
    (err) => post(fail(err)),
  )
})
