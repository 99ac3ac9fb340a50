/**
 * Helpers for the data layer's tests: a real SQLite file in a fresh temp
 * directory, a Reporter that collects what it posts, and expectClose.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { BadRowPolicy, ImportSpecInput } from '../../shared/schemas'
import type { WorkerEnv, WorkerMessage } from '../jobs/protocol'
import { Reporter, TaskError } from '../jobs/reporter'
import { getDataset, readEntities, readInteractions } from '../store/datasets'
import { openDatabase, type Db } from '../store/db'
import { runImportTask } from './tasks'

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

/** Run the import task as the worker would; returns its result and the posted messages. */
export async function runImport(
  world: TempWorld,
  spec: ImportSpecInput,
  options: { name?: string | null; badRows?: BadRowPolicy } = {},
): Promise<{ result: Record<string, unknown>; messages: WorkerMessage[] }> {
  const { reporter, messages } = collectingReporter()
  const result = await runImportTask({ spec, name: options.name ?? null, badRows: options.badRows ?? 'abort' }, world.env, reporter)
  return { result, messages }
}

/** The error a task threw (fails the test when it did not throw). */
export async function taskError(promise: Promise<unknown>): Promise<TaskError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TaskError)
  return err as TaskError
}

/** Read back a dataset with its entities and interactions. */
export function readBack(world: TempWorld, datasetId: number) {
  const db = world.open()
  try {
    const dataset = getDataset(db, datasetId)!
    return {
      dataset,
      left: readEntities(db, datasetId, 'left'),
      right: readEntities(db, datasetId, 'right'),
      interactions: readInteractions(db, datasetId),
    }
  } finally {
    db.close()
  }
}

/** Interactions as [leftKey, rightKey] pairs, in file order. */
export function keyPairs(back: ReturnType<typeof readBack>): [string, string][] {
  const { left, right, interactions } = back
  return Array.from(interactions.left, (l, i) => [left[l]!.key, right[interactions.right[i]!]!.key])
}
