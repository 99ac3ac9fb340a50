/**
 * Where the workbench keeps its data: `--data-dir <dir>` or EW_DATA_DIR,
 * else the OS user-data directory (the same one Electron's userData uses).
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export const APP_NAME = 'Embedding Workbench'
export const DB_FILE = 'workbench.sqlite'

export function defaultDataDir(): string {
  const home = homedir()
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', APP_NAME)
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME)
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_NAME)
  }
}

/** Reads `--data-dir=<dir>` / `--data-dir <dir>` from argv, then EW_DATA_DIR, then the default. */
export function resolveDataDir(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): string {
  const flag = readFlag(argv, '--data-dir')
  if (flag) return resolve(flag)
  if (env.EW_DATA_DIR) return resolve(env.EW_DATA_DIR)
  return defaultDataDir()
}

export function readFlag(argv: readonly string[], name: string): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === name) return argv[i + 1] ?? null
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1)
  }
  return null
}
