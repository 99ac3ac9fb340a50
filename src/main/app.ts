/**
 * The workbench core shared by every entry (Electron, headless server, CLI):
 * the store, the job manager, the event bus and the API handlers.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { EventName, EventPayload } from '../shared/api'
import { openDatabase, type Db } from './store/db'
import { failInterruptedImports, getMeta, listDatasets } from './store/datasets'
import { JobManager } from './jobs/manager'
import { isAlive } from './lib/process'
import { failInterruptedRuns } from './store/runs'
import { createHandlers, type Handlers } from './api/handlers'
import { DB_FILE } from './paths'

type Listener = (event: EventName, payload: unknown) => void

export class EventBus {
  private readonly listeners = new Set<Listener>()
  on(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners) l(event, payload)
  }
}

export interface WorkbenchOptions {
  dataDir: string
  /** Add the sample datasets on first start (default true). */
  samples?: boolean
  nativeBinding?: string | null
  runtime?: 'electron' | 'node'
}

export interface Workbench {
  dataDir: string
  dbPath: string
  db: Db
  jobs: JobManager
  events: EventBus
  handlers: Handlers
  close(): void
}

export function createWorkbench(opts: WorkbenchOptions): Workbench {
  mkdirSync(opts.dataDir, { recursive: true })
  const dbPath = join(opts.dataDir, DB_FILE)
  const nativeBinding = opts.nativeBinding ?? null
  const db = openDatabase(dbPath, nativeBinding ? { nativeBinding } : {})
  const events = new EventBus()
  const jobs = new JobManager({ dbPath, nativeBinding }, (job) => events.emit('jobUpdate', job))
  // Nothing can be importing yet in a process that just started.
  const interrupted = failInterruptedImports(db)
  if (interrupted.length) events.emit('datasetsChanged', { ids: interrupted })
  failInterruptedRuns(db, isAlive)
  const handlers = createHandlers({ db, jobs, events, dataDir: opts.dataDir, dbPath, runtime: opts.runtime ?? 'node' })
  if ((opts.samples ?? true) && getMeta(db, 'samples_added') === null && listDatasets(db).length === 0) {
    void handlers.addSampleDatasets({})
  }
  return {
    dataDir: opts.dataDir,
    dbPath,
    db,
    jobs,
    events,
    handlers,
    close() {
      jobs.shutdown()
      db.close()
    },
  }
}
