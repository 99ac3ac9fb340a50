/**
 * Exploring a trained run in the browser: search a book and see same-genre
 * neighbours, draw a t-SNE map coloured by genre, click and hover points on
 * its canvas, highlight a search, brush a rectangle, watch a layout move live
 * and cancel it, export a projector folder and read it back with the
 * projector's rules.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Dataset, Entity } from '../../src/shared/schemas'
import type { Run } from '../../src/shared/train'
import { readProjectorFolder } from '../../src/main/export/projector-parse'
import { launchBrowser, screenshot, startServer, waitFor, watchConsole, type App, pageApi } from './harness'

let app: App
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
let problems: string[]
let run: Run
let library: Dataset

const api = <T>(method: string, input: unknown): Promise<T> => pageApi<T>(page, method, input)

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

interface Sample {
  index: number
  /** CSS pixels from the chart canvas' top left. */
  x: number
  y: number
}

function canvasBox() {
  return page.getByTestId('map-chart').locator('.map-canvas').boundingBox()
}

/** Points standing alone on the map, with their pixel positions, as the chart publishes them once it has settled. */
async function samplePoints(atLeast: number): Promise<Sample[]> {
  const el = page.getByTestId('map-chart').locator('.map-canvas')
  const parse = (raw: string | null): Sample[] =>
    (raw ?? '')
      .split(';')
      .filter(Boolean)
      .map((s) => {
        const [index, xy] = s.split(':')
        const [x, y] = xy!.split(',').map(Number)
        return { index: Number(index), x: x!, y: y! }
      })
  await expect.poll(async () => parse(await el.getAttribute('data-sample-points')).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(atLeast)
  return parse(await el.getAttribute('data-sample-points'))
}

async function clickCanvas(p: Sample): Promise<void> {
  const box = (await canvasBox())!
  await page.mouse.click(box.x + p.x, box.y + p.y)
}

async function entityAt(index: number): Promise<Entity> {
  const found = await api<{ items: Entity[] }>('listEntities', { datasetId: library.id, side: 'left', orderBy: 'index', offset: index, limit: 1 })
  expect(found.items[0]!.index).toBe(index)
  return found.items[0]!
}

/** The longest word of a title: a search that matches it and some others. */
const wordOf = (title: string): string => title.split(/[^A-Za-z]+/).sort((a, z) => z.length - a.length)[0]!

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

  it('draws a t-SNE map coloured by genre; a point clicked on the canvas shows its neighbours, hovered its name', async () => {
    await page.getByTestId('tab-map').click()
    await page.getByTestId('new-map').click()
    await page.getByTestId('map-method').selectOption('tsne')
    await page.getByTestId('map-param-iterations').fill('400')
    await page.getByTestId('start-map').click()
    await page.getByTestId('map-progress').waitFor({ timeout: 30_000 })
    await page.getByTestId('map-chart').locator('canvas').first().waitFor({ timeout: 30_000 })
    await page.getByTestId('map-progress').waitFor({ state: 'detached', timeout: 120_000 })
    await expect.poll(() => page.getByTestId('map-chart').getAttribute('data-projection-id')).toMatch(/^\d+$/)
    await page.getByTestId('map-color-by').selectOption('genre')
    await page.getByTestId('map-legend').waitFor()
    expect(await page.getByTestId('map-legend').innerText()).toMatch(/Fantasy/)

    // A real click on the canvas, on a point standing alone (its pixel from the chart's convertToPixel).
    const [first, ...others] = await samplePoints(2)
    // The point to hover later: the farthest from the clicked one and its highlighted neighbours.
    const second = others.sort((a, z) => Math.hypot(z.x - first!.x, z.y - first!.y) - Math.hypot(a.x - first!.x, a.y - first!.y))[0]
    const clicked = await entityAt(first!.index)
    await clickCanvas(first!)
    const panel = page.getByTestId('map-point-panel')
    await expect.poll(() => panel.getAttribute('data-index'), { timeout: 15_000 }).toBe(String(first!.index))
    expect(await panel.locator('h3').innerText()).toBe(clicked.label || clicked.key)
    const neighbours = panel.getByTestId('map-neighbour')
    await expect.poll(() => neighbours.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(5)
    expect(await page.getByTestId('map-chart').getAttribute('data-selected')).toBe(String(first!.index))

    // Hovering another point shows its name in the tooltip (mirrored in the DOM from the canvas).
    const hoveredEntity = await entityAt(second!.index)
    const box = (await canvasBox())!
    await page.mouse.move(box.x + second!.x, box.y + second!.y, { steps: 4 })
    const hover = page.getByTestId('map-hover')
    await expect.poll(() => hover.getAttribute('data-index'), { timeout: 10_000 }).toBe(String(second!.index))
    expect(await hover.textContent()).toContain(hoveredEntity.label || hoveredEntity.key)
    await screenshot(page, '21-map-hover')
    // Away from the points: the tooltip goes.
    await page.mouse.move(box.x + 2, box.y + 2)
    await expect.poll(() => hover.getAttribute('data-index'), { timeout: 10_000 }).toBeNull()
  })

  it('highlights the search matches on the map', async () => {
    const word = wordOf(book.label)
    await page.getByTestId('map-search').fill(word)
    const count = page.getByTestId('map-search-count')
    await expect.poll(() => count.getAttribute('data-count'), { timeout: 10_000 }).toMatch(/^[1-9]\d*$/)
    const n = Number(await count.getAttribute('data-count'))
    const found = await api<{ total: number }>('listEntities', { datasetId: library.id, side: 'left', query: word, limit: 1 })
    expect(n).toBe(found.total)
    expect(await count.innerText()).toMatch(new RegExp(`^${n} match`))
    // The chart draws exactly those points in the highlight series.
    await expect.poll(() => page.getByTestId('map-chart').locator('.map-canvas').getAttribute('data-highlighted')).toBe(String(n))
    await screenshot(page, '22-map-search')
    await page.getByTestId('map-search').fill('')
    await expect.poll(() => page.getByTestId('map-chart').locator('.map-canvas').getAttribute('data-highlighted')).toBe('0')
  })

  it('a rectangle dragged over the map lists the points inside it', async () => {
    const [target] = await samplePoints(1)
    const inside = await entityAt(target!.index)
    await page.getByTestId('map-tool-rect').click()
    const box = (await canvasBox())!
    const x = box.x + target!.x
    const y = box.y + target!.y
    await page.mouse.move(x - 40, y - 30)
    await page.mouse.down()
    await page.mouse.move(x + 10, y + 5, { steps: 5 })
    await page.mouse.move(x + 40, y + 30, { steps: 5 })
    await page.mouse.up()
    const selection = page.getByTestId('map-selection')
    await selection.waitFor({ timeout: 10_000 })
    await expect.poll(async () => Number(await selection.getAttribute('data-count'))).toBeGreaterThanOrEqual(1)
    const items = page.getByTestId('map-selection-list').locator('.sel-item')
    expect(await items.count()).toBeGreaterThanOrEqual(1)
    expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-index')))).toContain(String(target!.index))
    expect(await page.getByTestId('map-selection-list').innerText()).toContain(inside.label || inside.key)
    expect(await page.getByTestId('map-chart').getAttribute('data-brushed')).toBe(await selection.getAttribute('data-count'))
    await screenshot(page, '23-map-selection')
    await page.getByTestId('map-selection-list').scrollIntoViewIfNeeded()
    await screenshot(page, '23-map-selection-list')
    await page.getByTestId('map-tool-pan').click()
  })

  it('the layout moves live while t-SNE runs; cancelled, the job is gone and no map is stored', async () => {
    const storedBefore = await api<{ id: number }[]>('listProjections', { runId: run.id })
    const shownBefore = await page.getByTestId('map-chart').getAttribute('data-projection-id')
    const itemsBefore = await page.getByTestId('map-item').count()
    await page.getByTestId('new-map').click()
    await page.getByTestId('map-method').selectOption('tsne')
    // The most steps allowed, each as slow as the form allows (perplexity 200: ~600 neighbours a
    // point instead of ~90), so it is still running when cancelled: with the default perplexity
    // a run reached step ~800 of 5,000 by the cancel, and once, on a loaded machine, finished
    // first; at 200 the cancel comes at step ~190.
    await page.getByTestId('map-param-iterations').fill('5000')
    await page.getByTestId('map-param-perplexity').fill('200')
    await page.getByTestId('start-map').click()
    const progress = page.getByTestId('map-progress')
    await progress.waitFor({ timeout: 30_000 })
    await expect.poll(() => page.getByTestId('map-chart').getAttribute('data-live')).toBe('true')
    await page.getByTestId('map-item-live').waitFor()
    const iteration = async () => Number(await progress.getAttribute('data-iteration'))
    // Past the start (the PCA layout, step 0): optimising.
    await expect.poll(iteration, { timeout: 30_000 }).toBeGreaterThan(0)
    const chart = page.getByTestId('map-chart')
    const at = await iteration()
    const shot = await chart.screenshot()
    await expect.poll(iteration, { timeout: 15_000 }).toBeGreaterThan(at)
    await expect.poll(async () => (await chart.screenshot()).equals(shot), { timeout: 15_000 }).toBe(false)
    expect(await iteration()).toBeLessThan(5000)
    await screenshot(page, '24-map-live')

    await page.getByTestId('map-cancel').click()
    await progress.waitFor({ state: 'detached', timeout: 15_000 })
    await page.getByTestId('map-item-live').waitFor({ state: 'detached', timeout: 15_000 })
    const jobs = await api<{ kind: string; status: string; startedAt: string }[]>('listJobs', {})
    const last = jobs.filter((j) => j.kind === 'project').sort((a, z) => z.startedAt.localeCompare(a.startedAt))[0]!
    expect(last.status).toBe('cancelled')
    // Nothing stored; the map shown before is back.
    expect(await api<{ id: number }[]>('listProjections', { runId: run.id })).toEqual(storedBefore)
    expect(await page.getByTestId('map-item').count()).toBe(itemsBefore)
    await expect.poll(() => page.getByTestId('map-chart').getAttribute('data-live')).toBe('false')
    await expect.poll(() => page.getByTestId('map-chart').getAttribute('data-projection-id')).toBe(shownBefore)
    expect(await page.getByTestId('map-error').count()).toBe(0)
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
