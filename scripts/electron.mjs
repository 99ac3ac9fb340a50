// Where is Electron? Shared by the build and start scripts.
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/** The version and binary of the installed electron package, or null when it is absent or incomplete. */
export function findElectron() {
  try {
    const pkgPath = require.resolve('electron/package.json')
    const dir = dirname(pkgPath)
    const version = JSON.parse(readFileSync(pkgPath, 'utf8')).version
    const pathTxt = join(dir, 'path.txt')
    if (!existsSync(pathTxt)) return null
    const binary = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim())
    return existsSync(binary) ? { version, binary } : null
  } catch {
    return null
  }
}

/** The Electron major our typings and build target (see electron-types in package.json). */
export const DEFAULT_ELECTRON_MAJOR = '44'
