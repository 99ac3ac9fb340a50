/**
 * better-sqlite3 is built against one runtime's ABI. Under Node (tests, CLI,
 * headless) the copy in node_modules is used. Under Electron we load a copy
 * rebuilt for Electron into .cache/electron-native by scripts/start.mjs, so
 * that `npm start` and `npm test` never break each other.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

export function electronNativeBindingPath(root: string, electronVersion: string): string {
  return join(root, '.cache', 'electron-native', electronVersion, 'better_sqlite3.node')
}

export function electronNativeBinding(): string | null {
  const electron = process.versions.electron
  if (!electron) return null
  const path = electronNativeBindingPath(resolve(__dirname, '..', '..'), electron)
  return existsSync(path) ? path : null
}
