/**
 * The closed message union between a job's owner (main) and its worker
 * process. Every message is plain, structured-cloneable data.
 */
import type { JobError, JobProgress } from '../../shared/schemas'

export type TaskName = 'import' | 'samples' | 'train' | 'project' | 'export' | 'diagnostic'

/** main → worker: the only message a worker receives. Cancel = kill. */
export interface StartMessage {
  type: 'start'
  task: TaskName
  params: unknown
  env: WorkerEnv
}

export interface WorkerEnv {
  dbPath: string
  /** better_sqlite3.node built for the worker's runtime, when not the default. */
  nativeBinding: string | null
}

/** worker → main */
export type WorkerMessage =
  | {
      type: 'progress'
      progress: JobProgress
      /** Ids of what the job created so far, so main can clean up if it dies. */
      context?: Record<string, number>
      /** Task-specific live data (training curves) that main forwards as an event. */
      live?: unknown
    }
  | { type: 'result'; result: Record<string, unknown> }
  | { type: 'error'; error: JobError }
  | { type: 'cancelled' }

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  if (typeof m !== 'object' || m === null) return false
  const type = (m as { type?: unknown }).type
  return type === 'progress' || type === 'result' || type === 'error' || type === 'cancelled'
}
