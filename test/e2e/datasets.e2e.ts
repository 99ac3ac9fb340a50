/**
 * The foundation end to end: the real headless server with its first-start
 * sample datasets, real Chromium importing files through the UI.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, screenshot, startServer, watchConsole, type App } from './harness'

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
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

const row = (name: string) => page.locator(`[data-testid="dataset-row"][data-name="${name}"]`)

async function cells(name: string) {
  const r = row(name)
  return {
    left: (await r.getByTestId('cell-left-count').innerText()).replace(/[^\d]/g, ''),
    right: (await r.getByTestId('cell-right-count').innerText()).replace(/[^\d]/g, ''),
    interactions: (await r.getByTestId('cell-interactions').innerText()).replace(/[^\d]/g, ''),
  }
}

async function importCsv(file: string, name: string) {
  await page.getByTestId('nav-import').click()
  await page.getByTestId('format-select').selectOption('pairs-csv')
  await page.getByTestId('file-input').setInputFiles(file)
  await expect.poll(() => page.getByTestId('left-column').inputValue(), { timeout: 15_000 }).toBe('book')
  await expect.poll(() => page.getByTestId('right-column').inputValue()).toBe('link')
  await page.getByTestId('preview-table').waitFor()
  await page.getByTestId('dataset-name').fill(name)
  await page.getByTestId('start-import').click()
}

describe('datasets and import in the browser', () => {
  it('logs in from the printed URL and shows the sample datasets, ready', async () => {
    expect(new URL(page.url()).searchParams.get('token')).toBeNull()
    await page.getByTestId('datasets-table').waitFor()
    await expect.poll(async () => page.locator('[data-testid="dataset-row"][data-status="ready"]').count(), { timeout: 60_000 }).toBe(2)
    await screenshot(page, '01-datasets-samples')
  })

  it('shows a dataset’s statistics and its most-linked chart', async () => {
    await page.locator('[data-testid="dataset-row"]').first().click()
    await page.getByTestId('dataset-detail').waitFor()
    await page.getByTestId('most-linked-chart').locator('canvas').first().waitFor()
    await page.getByTestId('degree-chart').locator('canvas').first().waitFor()
    expect(Number((await page.getByTestId('stat-interactions').innerText()).replace(/[^\d]/g, ''))).toBeGreaterThan(10_000)
    await screenshot(page, '02-dataset-detail')
  })

  it('imports a pair list through the UI and lists it with the right counts', async () => {
    const file = join(app.dataDir, 'reading-list.csv')
    // 3 books, 4 links, 6 pairs (one link shared by all three books).
    writeFileSync(file, 'book,link\nDune,desert\nDune,spice\nDune,classic\nEmma,classic\nEmma,bath\nUlysses,classic\n')
    await importCsv(file, 'Reading list')
    await row('Reading list').waitFor({ timeout: 30_000 })
    await expect.poll(() => row('Reading list').getAttribute('data-status'), { timeout: 30_000 }).toBe('ready')
    expect(await cells('Reading list')).toEqual({ left: '3', right: '4', interactions: '6' })
    await screenshot(page, '03-imported')
  })

  it('a malformed file shows its line-numbered error and the earlier datasets stay intact', async () => {
    await page.getByTestId('nav-datasets').click()
    await page.getByTestId('datasets-table').waitFor()
    const before = await page.locator('[data-testid="dataset-row"]').evaluateAll((rows) =>
      rows.map((r) => `${r.getAttribute('data-name')}|${r.getAttribute('data-status')}|${r.textContent}`),
    )
    const file = join(app.dataDir, 'broken.csv')
    writeFileSync(file, 'book,link\nDune,desert\nEmma\nUlysses,classic\nOrlando,time,extra\n')
    await importCsv(file, 'Broken list')
    const error = page.getByTestId('import-error')
    await error.waitFor({ timeout: 30_000 })
    const text = await error.innerText()
    expect(text).toMatch(/2 bad rows/)
    expect(text).toMatch(/line 3/i)
    expect(text).toMatch(/line 5/i)
    await expect.poll(() => page.getByTestId('bad-rows-table').locator('tbody tr').count()).toBe(2)
    await screenshot(page, '04-import-error')
    await page.getByTestId('nav-datasets').click()
    await page.getByTestId('datasets-table').waitFor()
    const after = await page.locator('[data-testid="dataset-row"]').evaluateAll((rows) =>
      rows.map((r) => `${r.getAttribute('data-name')}|${r.getAttribute('data-status')}|${r.textContent}`),
    )
    expect(after).toEqual(before)
    expect(await row('Broken list').count()).toBe(0)
  })

  it('deletes a dataset after confirmation', async () => {
    await row('Reading list').click()
    await page.getByTestId('delete-dataset').click()
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => row('Reading list').count(), { timeout: 10_000 }).toBe(0)
  })

  it('logged no console errors or CSP violations', () => {
    expect(problems).toEqual([])
  })
})
