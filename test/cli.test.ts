/**
 * The command line as a user runs it: the real `embedding-workbench` bin in a
 * child process, against a store in a temp dir, imports in worker processes.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers/tmp'

const BIN = resolve(__dirname, '..', 'bin', 'embedding-workbench.cjs')
const run = promisify(execFile)

let tmp: ReturnType<typeof tempDir>
beforeAll(() => (tmp = tempDir()))
afterAll(() => tmp.cleanup())

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--data-dir', join(tmp.dir, 'store'), ...args], { timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('embedding-workbench CLI', () => {
  it('prints help and fails with usage errors', async () => {
    const help = await cli('--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/datasets import <file> --format/)
    const bad = await cli('datasets', 'import', 'x.csv', '--format', 'excel')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--format must be one of/)
  })

  it('imports, lists, shows and deletes datasets, with --json', async () => {
    const file = join(tmp.dir, 'pairs.tsv')
    writeFileSync(file, 'user\titem\nu1\ta\nu1\tb\nu2\ta\n')
    const imp = await cli('datasets', 'import', file, '--format', 'pairs-csv', '--left-column', 'user', '--right-column', 'item', '--name', 'Tiny', '--json')
    expect(imp.code).toBe(0)
    const d = JSON.parse(imp.stdout) as { id: number; name: string; status: string; stats: { interactions: number; left: { count: number }; right: { count: number } } }
    expect(d).toMatchObject({ name: 'Tiny', status: 'ready', stats: { interactions: 3, left: { count: 2 }, right: { count: 2 } } })

    const list = JSON.parse((await cli('datasets', 'list', '--json')).stdout) as { id: number }[]
    expect(list.map((x) => x.id)).toEqual([d.id])
    const human = await cli('datasets', 'show', String(d.id))
    expect(human.stdout).toMatch(/Tiny/)
    expect(human.stdout).toMatch(/3 interactions/)

    const del = await cli('datasets', 'delete', String(d.id), '--json')
    expect(JSON.parse(del.stdout)).toEqual({ ok: true, id: d.id })
    expect(JSON.parse((await cli('datasets', 'list', '--json')).stdout)).toEqual([])
  })

  it('reports bad rows with line numbers, imports nothing, and --skip-bad-rows imports the rest', async () => {
    const file = join(tmp.dir, 'bad.csv')
    writeFileSync(file, 'a,b\n1,2\n3\n4,5\n')
    const failed = await cli('datasets', 'import', file, '--format', 'pairs-csv', '--left-column', 'a', '--right-column', 'b')
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/1 bad rows in .*bad\.csv/)
    expect(failed.stderr).toMatch(/line 3: expected 2 fields/)
    expect(JSON.parse((await cli('datasets', 'list', '--json')).stdout)).toEqual([])
    const skipped = await cli('datasets', 'import', file, '--format', 'pairs-csv', '--left-column', 'a', '--right-column', 'b', '--skip-bad-rows', '--json')
    expect(skipped.code).toBe(0)
    expect(JSON.parse(skipped.stdout)).toMatchObject({ stats: { interactions: 2, skippedRows: 1 } })
  })

  it('gives a clear error for a missing dataset or file', async () => {
    const missing = await cli('datasets', 'show', '999')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/Dataset 999 does not exist/)
    const nofile = await cli('datasets', 'import', join(tmp.dir, 'nope.csv'), '--format', 'pairs-csv', '--left-column', 'a', '--right-column', 'b')
    expect(nofile.code).toBe(1)
    expect(nofile.stderr).toMatch(/nope\.csv/)
  })
})
