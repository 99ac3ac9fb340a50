/**
 * Long jobs run in worker processes; this owns them. A job ends exactly once:
 * with the worker's result or error, when cancelled (the worker is killed),
 * or when the worker dies without a word (crashed: its stderr tail is the
 * error). Whatever happens to a worker, the owning process lives on.
 */
import { randomUUID } from 'node:crypto'
import type { Job, JobError, JobKind, JobProgress } from '../../shared/schemas'
import type { StartMessage, TaskName, WorkerEnv } from './protocol'
import { isWorkerMessage } from './protocol'
import { spawnWorker, type WorkerHandle } from './spawn'

export interface JobHooks {
  /** Undo what a job that did not succeed left behind (context: ids it reported). */
  cleanup?(job: Job, context: Record<string, number>): void
  /** Live data a worker sent with its progress. */
  onLive?(live: unknown): void
  /** Called once when the job has ended, whatever the outcome (after cleanup). */
  onEnd?(job: Job): void
}

export interface StartOptions {
  kind: JobKind
  task: TaskName
  title: string
  params: unknown
  hooks?: JobHooks
}

interface Entry {
  job: Job
  worker: WorkerHandle | null
  context: Record<string, number>
  hooks: JobHooks
  ended: Promise<Job>
  resolveEnded: (job: Job) => void
}

const KEEP_FINISHED = 100

export class JobManager {
  private readonly jobs = new Map<string, Entry>()

  constructor(
    private readonly env: WorkerEnv,
    private readonly emit: (job: Job) => void,
  ) {}

  list(): Job[] {
    return [...this.jobs.values()].map((e) => e.job).reverse()
  }

  get(id: string): Job | null {
    return this.jobs.get(id)?.job ?? null
  }

  /** The pid of a running job's worker process (for diagnostics and tests). */
  workerPid(id: string): number | null {
    return this.jobs.get(id)?.worker?.pid ?? null
  }

  /** Ids (by context key) held by jobs still running, e.g. datasets being imported. */
  runningContext(key: string): Set<number> {
    const ids = new Set<number>()
    for (const e of this.jobs.values()) {
      const v = e.context[key]
      if (e.job.status === 'running' && v !== undefined) ids.add(v)
    }
    return ids
  }

  start(opts: StartOptions): Job {
    const job: Job = {
      id: randomUUID(),
      kind: opts.kind,
      title: opts.title,
      status: 'running',
      progress: { done: 0, total: null, unit: 'steps', message: 'Starting…' },
      startedAt: new Date().toISOString(),
      endedAt: null,
      error: null,
      result: null,
    }
    let resolveEnded!: (job: Job) => void
    const ended = new Promise<Job>((r) => (resolveEnded = r))
    const entry: Entry = { job, worker: null, context: {}, hooks: opts.hooks ?? {}, ended, resolveEnded }
    this.jobs.set(job.id, entry)
    this.prune()
    this.emit(job)
    void this.launch(entry, opts)
    return job
  }

  private async launch(entry: Entry, opts: StartOptions): Promise<void> {
    let worker: WorkerHandle
    try {
      worker = await spawnWorker(`workbench-${opts.task}`)
    } catch (err) {
      this.finish(entry, 'failed', null, { message: `Could not start a worker: ${String(err)}`, code: 'crashed', badRows: null })
      return
    }
    if (entry.job.status !== 'running') {
      worker.kill() // cancelled while starting
      return
    }
    entry.worker = worker
    worker.onMessage((m) => {
      if (!isWorkerMessage(m) || entry.job.status !== 'running') return
      switch (m.type) {
        case 'progress':
          if (m.context) Object.assign(entry.context, m.context)
          if (m.live !== undefined) entry.hooks.onLive?.(m.live)
          this.update(entry, { progress: m.progress })
          break
        case 'result':
          this.finish(entry, 'succeeded', m.result, null)
          worker.kill()
          break
        case 'error':
          this.finish(entry, 'failed', null, m.error)
          worker.kill()
          break
        case 'cancelled':
          this.finish(entry, 'cancelled', null, null)
          worker.kill()
          break
      }
    })
    worker.onExit((code, signal, stderr) => {
      if (entry.job.status !== 'running') return
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
      const detail = stderr ? `\n${lastLines(stderr, 12)}` : ''
      this.finish(entry, 'failed', null, { message: `The worker process ${how}.${detail}`, code: 'crashed', badRows: null })
    })
    const start: StartMessage = { type: 'start', task: opts.task, params: opts.params, env: this.env }
    worker.send(start)
  }

  cancel(id: string): Job | null {
    const entry = this.jobs.get(id)
    if (!entry) return null
    if (entry.job.status === 'running') {
      // Kill first: the cleanup must not race a worker that is still writing.
      entry.worker?.kill()
      this.finish(entry, 'cancelled', null, null)
    }
    return entry.job
  }

  /** Resolves when the job has ended (any status). */
  wait(id: string): Promise<Job> {
    const entry = this.jobs.get(id)
    if (!entry) return Promise.reject(new Error(`No job ${id}`))
    return entry.ended
  }

  /** Kill every running worker (app shutdown). */
  shutdown(): void {
    for (const e of this.jobs.values()) if (e.job.status === 'running') this.cancel(e.job.id)
  }

  private update(entry: Entry, patch: Partial<Job>): void {
    entry.job = { ...entry.job, ...patch }
    this.emit(entry.job)
  }

  private finish(entry: Entry, status: Job['status'], result: Record<string, unknown> | null, error: JobError | null): void {
    if (entry.job.status !== 'running') return
    const progress: JobProgress =
      status === 'succeeded'
        ? { ...entry.job.progress, done: entry.job.progress.total ?? entry.job.progress.done, message: 'Done' }
        : { ...entry.job.progress, message: status === 'cancelled' ? 'Cancelled' : 'Failed' }
    if (status !== 'succeeded' && entry.hooks.cleanup) {
      try {
        entry.hooks.cleanup({ ...entry.job, status, error }, entry.context)
      } catch (err) {
        console.error(`Cleanup after job ${entry.job.id} failed:`, err)
      }
    }
    this.update(entry, { status, result, error, progress, endedAt: new Date().toISOString() })
    try {
      entry.hooks.onEnd?.(entry.job)
    } catch (err) {
      console.error(`onEnd of job ${entry.job.id} failed:`, err)
    }
    entry.resolveEnded(entry.job)
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((e) => e.job.status !== 'running')
    for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(e.job.id)
  }
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n')
}
