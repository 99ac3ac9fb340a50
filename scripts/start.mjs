// `npm start`: build if the sources changed, then open the desktop app when the
// Electron binary is installed; without it, start headless mode (prints the URL).
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findElectron } from './electron.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

function newestMtime(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

function buildIfStale() {
  const built = join(root, 'out', 'main', 'serve.js')
  const stale = !existsSync(built) || newestMtime(join(root, 'src')) > statSync(built).mtimeMs
  if (!stale) return
  console.log('Building the app…')
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

/** better-sqlite3 rebuilt for Electron's ABI, kept apart from the Node build the tests use. */
function ensureElectronNative(version) {
  const dir = join(root, '.cache', 'electron-native', version)
  const target = join(dir, 'better_sqlite3.node')
  if (existsSync(target)) return
  console.log(`Building better-sqlite3 for Electron ${version} (once; takes a few minutes)…`)
  const app = join(dir, 'app')
  mkdirSync(join(app, 'node_modules'), { recursive: true })
  cpSync(join(root, 'node_modules', 'better-sqlite3'), join(app, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`),
  })
  const pkg = join(app, 'node_modules', 'better-sqlite3')
  // A prebuilt binary for this Electron if one is published, else compile against Electron's headers.
  const run = (cmd, argv) => spawnSync(cmd, argv, { cwd: pkg, stdio: 'inherit' }).status === 0
  const prebuilt = run(process.execPath, [join(root, 'node_modules', 'prebuild-install', 'bin.js'), '--runtime', 'electron', '--target', version])
  if (!prebuilt) {
    const npmDir = dirname(dirname(process.env.npm_execpath ?? ''))
    const gyp = join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
    const ok = run(process.execPath, [gyp, 'rebuild', '--release', '--runtime=electron', `--target=${version}`, '--dist-url=https://electronjs.org/headers'])
    if (!ok) throw new Error('neither a prebuilt binary nor a local build of better-sqlite3 for Electron succeeded')
  }
  cpSync(join(app, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), target)
}

buildIfStale()
const electron = findElectron()
if (electron) {
  try {
    ensureElectronNative(electron.version)
  } catch (err) {
    console.error(`Could not build better-sqlite3 for Electron: ${err instanceof Error ? err.message : err}`)
    console.error('Falling back to headless mode.')
  }
  if (existsSync(join(root, '.cache', 'electron-native', electron.version, 'better_sqlite3.node'))) {
    const child = spawn(electron.binary, [root, ...args], { stdio: 'inherit' })
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
    for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s))
  } else startHeadless()
} else {
  console.log('Electron is not installed (it is an optional dependency whose install step downloads the Electron binary).')
  console.log('Starting headless mode instead: the same app in your browser.\n')
  startHeadless()
}

function startHeadless() {
  const child = spawn(process.execPath, [join(root, 'out', 'main', 'serve.js'), ...args], { stdio: 'inherit' })
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s))
}
