// `npm run build`: electron-vite build, also when the optional electron package
// could not be installed (then electron-vite cannot read electron/package.json
// and needs ELECTRON_MAJOR_VER).
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_ELECTRON_MAJOR, findElectron } from './electron.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const env = { ...process.env }
const electron = findElectron()
env.ELECTRON_MAJOR_VER ??= electron ? electron.version.split('.')[0] : DEFAULT_ELECTRON_MAJOR
const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
const r = spawnSync(process.execPath, [cli, 'build', ...process.argv.slice(2)], { stdio: 'inherit', env })
process.exit(r.status ?? 1)
