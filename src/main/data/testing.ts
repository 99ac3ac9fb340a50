/**
 * Helpers for the data layer's tests: a real SQLite file in a fresh temp
 * directory, a Reporter that collects what it posts, and expectClose.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { WorkerEnv } from '../jobs/protocol'
import { Reporter } from '../jobs/reporter'
import type { WorkerMessage } from '../jobs/protocol'
import { openDatabase, type Db } from '../store/db'

export interface TempWorld {
  dir: string
  dbPath: string
  env: WorkerEnv
  /** Write a file into the temp dir (string as UTF-8, or raw bytes). */
  file(name: string, content: string | Uint8Array): string
  /** Open the database (the caller closes it). */
  open(): Db
  cleanup(): void
}

export function tempWorld(): TempWorld {
  const dir = mkdtempSync(join(tmpdir(), 'ew-data-'))
  const dbPath = join(dir, 'workbench.db')
  return {
    dir,
    dbPath,
    env: { dbPath, nativeBinding: null },
    file(name, content) {
      const path = join(dir, name)
      writeFileSync(path, content)
      return path
    },
    open: () => openDatabase(dbPath),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

export function collectingReporter(): { reporter: Reporter; messages: WorkerMessage[] } {
  const messages: WorkerMessage[] = []
  return { reporter: new Reporter((m) => messages.push(m), 0), messages }
}

export function expectClose(actual: number, expected: number, eps = 1e-9): void {
  expect(Math.abs(actual - expected), `${actual} ≈ ${expected} ± ${eps}`).toBeLessThanOrEqual(eps)
}
