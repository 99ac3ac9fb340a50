#!/usr/bin/env node
// The command line (`embedding-workbench <command>`): the built CLI when present, else the
// sources run by tsx in a child process (tsx's own entry sets up both its CJS and ESM hooks,
// which the CLI's lazy `import()`s of engines need).
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const built = join(__dirname, '..', 'out', 'main', 'cli.js')
if (existsSync(built)) {
  require(built)
    .main(process.argv.slice(2))
    .then((code) => process.exit(code))
} else {
  const { spawnSync } = require('node:child_process')
  const source = join(__dirname, '..', 'src', 'main', 'cli.ts')
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), source, ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
