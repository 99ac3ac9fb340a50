/**
 * End-to-end harness: the real headless server (built `out/main/serve.js`)
 * in a child process with a fresh data dir, and Debian's Chromium driven by
 * playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { expect } from 'vitest'

export const ROOT = resolve(__dirname, '..', '..')
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots')

export interface App {
  url: string
  dataDir: string
  server: ChildProcess
  output: () => string
  stop(): Promise<void>
}

export async function startServer(env: Record<string, string> = {}): Promise<App> {
  const serve = join(ROOT, 'out', 'main', 'serve.js')
  if (!existsSync(serve)) throw new Error(`${serve} is missing: run npm run build first.`)
  const dataDir = mkdtempSync(join(tmpdir(), 'ew-e2e-'))
  const server = spawn(process.execPath, [serve, '--data-dir', dataDir, '--port', '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  server.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  server.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not print its URL:\n${out}`)), 30_000)
    const check = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolvePromise(m[1]!)
      }
    }
    server.stdout!.on('data', check)
    server.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)))
  })
  return {
    url,
    dataDir,
    server,
    output: () => out,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM')
        await new Promise((r) => server.once('exit', r))
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Debian's Chromium with a fresh profile (playwright-core cannot download browsers here). */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'ew-chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

/** Collect console errors and CSP violations: a page that logs them fails the test. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  return problems
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Wait until `check` is true (for hooks, where expect.poll is not allowed). */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Call the API from the page, as the app does (the page's cookie carries the token). */
export function pageApi<T>(page: Page, method: string, input: unknown): Promise<T> {
  return page.evaluate(
    async ([m, body]) => {
      const res = await fetch(`/api/${m}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
      const json = (await res.json()) as { result?: unknown; error?: { message: string } }
      if (!res.ok) throw new Error(json.error?.message ?? String(res.status))
      return json.result
    },
    [method, input] as const,
  ) as Promise<T>
}

/** Waits until the run shown on the page has succeeded; fails with the run's error as soon as it fails. */
export async function runSucceeded(page: Page, runId: number): Promise<void> {
  await expect
    .poll(
      async () => {
        const status = await page.getByTestId('run-status').getAttribute('data-status')
        if (status === 'failed') throw new Error(`run ${runId} failed: ${await page.getByTestId('run-error').innerText()}`)
        return status
      },
      { timeout: 180_000, interval: 250 },
    )
    .toBe('succeeded')
}
