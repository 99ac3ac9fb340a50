/** Worker side of the protocol: throttled progress, one final message. */
import type { JobError, JobProgress } from '../../shared/schemas'
import type { WorkerMessage } from './protocol'

export type Post = (message: WorkerMessage) => void

export class Reporter {
  private last = 0
  private readonly context: Record<string, number> = {}

  constructor(
    private readonly post: Post,
    private readonly intervalMs = 100,
  ) {}

  /** Remember an id the owner must clean up if this job does not succeed; sent at once. */
  track(key: string, id: number, progress: JobProgress): void {
    this.context[key] = id
    this.post({ type: 'progress', progress, context: { ...this.context } })
    this.last = Date.now()
  }

  /** At most one message per interval unless `force`. */
  progress(progress: JobProgress, force = false): void {
    const now = Date.now()
    if (!force && now - this.last < this.intervalMs) return
    this.last = now
    this.post({ type: 'progress', progress })
  }

  /**
   * Progress plus task-specific live data. Unlike `progress`, nothing is
   * dropped: calls within the interval are for the caller to batch.
   */
  live(progress: JobProgress, live: unknown, force = false): void {
    const now = Date.now()
    if (!force && now - this.last < this.intervalMs) return
    this.last = now
    this.post({ type: 'progress', progress, live })
  }

  result(result: Record<string, unknown>): void {
    this.post({ type: 'result', result })
  }

  error(error: JobError): void {
    this.post({ type: 'error', error })
  }
}

/** An error a task throws on purpose, carried to the job as is. */
export class TaskError extends Error {
  constructor(readonly jobError: JobError) {
    super(jobError.message)
    this.name = 'TaskError'
  }
}
