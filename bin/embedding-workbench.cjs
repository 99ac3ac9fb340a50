#!/usr/bin/env node
// The command line (`embedding-workbench <command>`): the built CLI when present, else the sources through tsx.
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const built = join(__dirname, '..', 'out', 'main', 'cli.js')
if (existsSync(built)) {
  require(built)
    .main(process.argv.slice(2))
    .then((code) => process.exit(code))
} else {
  require('tsx/cjs')
  require('../src/main/cli.ts')
    .main(process.argv.slice(2))
    .then((code) => process.exit(code))
}
