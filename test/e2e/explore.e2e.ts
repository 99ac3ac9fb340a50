/**
 * Exploring a trained run in the browser: search a book and see same-genre
 * neighbours, draw a t-SNE map coloured by genre and click a point, export a
 * projector folder and read it back with the projector's rules.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Dataset, Entity } from '../../src/shared/schemas'
import type { Run } from '../../src/shared/train'
import { readProjectorFolder } from '../../src/main/export/projector-parse'
import { launchBrowser, screenshot, startServer, waitFor, watchConsole, type App } from './harness'

let app: App
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
let problems: string[]
let run: Run
let library: Dataset

function api<T>(method: string, input: unknown): Promise<T> {
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

beforeAll(async () => {
  app = await startServer()
  browser = await launchBrowser()
  page = await browser.context.newPage()
  problems = watchConsole(page)
  await page.goto(app.url)
  await waitFor(async () => (await api<Dataset[]>('listDatasets', {})).filter((d) => d.status === 'ready').length === 2, 'the sample datasets')
  library = (await api<Dataset[]>('listDatasets', {})).find((d) => d.options.sample === 'library')!
  const started = await api<Run>('startRun', { datasetId: library.id, params: { model: 'entity-pairs', dim: 32, nPositive: 256, epochs: 8, learningRate: 0.01 } })
  await waitFor(async () => (await api<Run>('getRun', { id: started.id })).status === 'succeeded', 'the training run', 120_000)
  run = await api<Run>('getRun', { id: started.id })
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

async function genreOf(key: string): Promise<string | undefined> {
  const found = await api<{ items: Entity[] }>('searchEntities', { datasetId: library.id, side: 'left', query: key, fields: 'all', limit: 50 })
  return found.items.find((e) => e.key === key)?.metadata.genre
}

describe('exploring a run in the browser', () => {
  let book: Entity

  it('searches a book and lists same-genre books as its nearest', async () => {
    await page.goto(`${app.url.split('/?')[0]}/#/explore/${run.id}`)
    await page.getByTestId('tab-browser').click()
    await page.getByTestId('explore-side-left').click()
    const top = await api<{ items: Entity[] }>('searchEntities', { datasetId: library.id, side: 'left', limit: 1 })
    book = top.items[0]!
    await page.getByTestId('entity-search').fill(book.label)
    await page.getByTestId('search-results').getByTestId('search-result').filter({ hasText: book.label }).first().click()
    await page.getByTestId('entity-record').waitFor()
    const rows = page.getByTestId('similar-table').getByTestId('similar-row')
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(10)
    const keys = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-key')!))).slice(0, 10)
    let same = 0
    for (const key of keys) if ((await genreOf(key)) === book.metadata.genre) same++
    expect(same).toBeGreaterThanOrEqual(7)
    await screenshot(page, '20-browser')
  })

  it('draws a t-SNE map coloured by genre, and a clicked point shows its neighbours', async () => {
    await page.getByTestId('tab-map').click()
    await page.getByTestId('new-map').click()
    await page.getByTestId('map-method').selectOption('tsne')
    await page.getByTestId('map-param-iterations').fill('400')
    await page.getByTestId('start-map').click()
    await page.getByTestId('map-progress').waitFor({ timeout: 30_000 })
    await page.getByTestId('map-chart').locator('canvas').first().waitFor({ timeout: 30_000 })
    await page.getByTestId('map-progress').waitFor({ state: 'detached', timeout: 120_000 })
    await page.getByTestId('map-color-by').selectOption('genre')
    await page.getByTestId('map-legend').waitFor()
    expect(await page.getByTestId('map-legend').innerText()).toMatch(/Fantasy/)
    await page.getByTestId('map-point-index').fill(String(book.index))
    await page.getByTestId('map-point-click').click()
    const neighbours = page.getByTestId('map-point-panel').getByTestId('map-neighbour')
    await expect.poll(() => neighbours.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(5)
    await screenshot(page, '21-map')
  })

  it('exports a projector folder whose files pass the round-trip parser', async () => {
    const folder = join(app.dataDir, 'exports', 'e2e-projector')
    await page.getByTestId('tab-export').click()
    await page.getByTestId('export-format-projector').click()
    await page.getByTestId('export-col-genre').check()
    await page.getByTestId('export-folder').fill(folder)
    await page.getByTestId('start-export').click()
    await page.getByTestId('export-result').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('export-result').innerText()).toMatch(/tensors\.tsv/)
    await screenshot(page, '22-export')
    const parsed = await readProjectorFolder(folder)
    const embedding = parsed.embeddings[0]!
    expect(embedding.tensorShape).toEqual([library.stats!.left.count, 32])
    expect(embedding.metadata!.header).toEqual(['label', 'genre'])
    expect(embedding.metadata!.rows.length).toBe(library.stats!.left.count)
    expect(embedding.metadata!.rows[book.index]).toEqual([book.label, book.metadata.genre])
  })

  it('logged no console errors or CSP violations', () => {
    expect(problems).toEqual([])
  })
})
