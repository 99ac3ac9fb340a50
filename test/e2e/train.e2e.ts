/**
 * Training through the UI: the sample library, a live chart, a worker killed
 * mid-run and resumed from its checkpoint, and the neighbours panel listing
 * same-genre books.
 */
import { execFileSync } from 'node:child_process'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Entity } from '../../src/shared/schemas'
import type { Run } from '../../src/shared/train'
import { launchBrowser, screenshot, startServer, waitFor, watchConsole, type App, pageApi } from './harness'

let app: App
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
let problems: string[]

beforeAll(async () => {
  app = await startServer()
  browser = await launchBrowser()
  page = await browser.context.newPage()
  problems = watchConsole(page)
  await page.goto(app.url)
  await page.getByTestId('datasets-table').waitFor()
  await waitFor(async () => (await page.locator('[data-testid="dataset-row"][data-status="ready"]').count()) === 2, 'the sample datasets')
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

const api = <T>(method: string, input: unknown): Promise<T> => pageApi<T>(page, method, input)

/** The training worker: the server's child process running worker.js. */
function workerPids(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(app.server.pid)]).toString().trim().split('\n').map(Number).filter(Boolean)
  } catch {
    return []
  }
}

describe('training in the browser', () => {
  let runId: number

  it('starts a run on the sample library from the train form with the tutorial preset', async () => {
    await page.getByTestId('nav-train').click()
    const select = page.getByTestId('train-dataset')
    const option = await select.locator('option', { hasText: 'Sample library' }).getAttribute('value')
    await select.selectOption(option!)
    await page.getByTestId('preset-tutorial').click()
    expect(await page.getByTestId('param-dim').inputValue()).toBe('50')
    expect(await page.getByTestId('param-nPositive').inputValue()).toBe('1024')
    // Smaller batches and more epochs than the tutorial: the sample has ~58k pairs, not 773k;
    // 40 epochs also keep the run going long enough to kill its worker mid-run below.
    await page.getByTestId('param-nPositive').fill('256')
    await page.getByTestId('param-epochs').fill('40')
    await page.getByTestId('param-learningRate').fill('0.01')
    await expect.poll(() => page.getByTestId('engine-reason').innerText()).toMatch(/sparse/i)
    await screenshot(page, '10-train-form')
    await page.getByTestId('start-run').click()
    await page.getByTestId('run-detail').waitFor()
    runId = Number(new URL(page.url()).hash.match(/runs\/(\d+)/)?.[1])
    expect(runId).toBeGreaterThan(0)
  })

  it('shows the loss chart updating while it trains', async () => {
    await expect.poll(() => page.getByTestId('run-status').innerText(), { timeout: 30_000 }).toMatch(/running/i)
    const chart = page.getByTestId('loss-chart')
    await chart.locator('canvas').first().waitFor()
    const a = await chart.screenshot()
    await page.waitForTimeout(700)
    const b = await chart.screenshot()
    expect(a.equals(b)).toBe(false)
    await page.getByTestId('run-progress').waitFor()
    await screenshot(page, '11-training-live')
  })

  it('a killed training worker leaves the run resumable and the app responsive', async () => {
    await expect.poll(async () => (await api<Run>('getRun', { id: runId })).checkpointEpoch ?? 0, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(1)
    const pids = workerPids()
    expect(pids.length).toBeGreaterThan(0)
    for (const pid of pids) process.kill(pid, 'SIGKILL')
    await expect.poll(() => page.getByTestId('run-status').innerText(), { timeout: 30_000 }).toMatch(/failed/i)
    // The app answers and the run offers to resume.
    await page.getByTestId('nav-datasets').click()
    await page.getByTestId('datasets-table').waitFor()
    await page.goBack()
    await page.getByTestId('run-resume').click()
    await expect.poll(() => page.getByTestId('run-status').innerText(), { timeout: 120_000 }).toMatch(/succeeded/i)
    const run = await api<Run>('getRun', { id: runId })
    expect(run.step).toBe(run.totalSteps)
    await screenshot(page, '12-run-finished')
  })

  it('lists same-genre books as a book’s nearest neighbours', async () => {
    const top = await api<{ items: Entity[] }>('listEntities', { datasetId: (await api<Run>('getRun', { id: runId })).datasetId, side: 'left', limit: 1 })
    const book = top.items[0]!
    await page.getByTestId('neighbours-panel').scrollIntoViewIfNeeded()
    await page.getByTestId('neighbour-side-left').click()
    await page.getByTestId('neighbour-search').fill(book.label.slice(0, 12))
    await page.getByTestId('neighbour-option').filter({ hasText: book.label }).first().click()
    const rows = page.getByTestId('neighbours-table').getByTestId('neighbour-row')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(10)
    const keys = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-key')!))
    const datasetId = (await api<Run>('getRun', { id: runId })).datasetId
    let same = 0
    for (const key of keys) {
      const found = await api<{ items: Entity[] }>('listEntities', { datasetId, side: 'left', query: key, limit: 50 })
      if (found.items.find((e) => e.key === key)?.metadata.genre === book.metadata.genre) same++
    }
    expect(same).toBeGreaterThanOrEqual(7)
    await screenshot(page, '13-neighbours')
  })

  it('logged no console errors or CSP violations', () => {
    expect(problems).toEqual([])
  })
})
