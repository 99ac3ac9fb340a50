import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'ew-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function expectClose(actual: number, expected: number, eps = 1e-9): void {
  if (!(Math.abs(actual - expected) <= eps)) throw new Error(`expected ${actual} to be within ${eps} of ${expected}`)
}
