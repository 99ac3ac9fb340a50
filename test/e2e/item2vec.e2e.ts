/**
 * item2vec through the UI on the sample ratings: train it from the train form
 * (grouped fields, CPU only, a run-time estimate), watch it succeed with its
 * loss and words/s charts and an evaluation without RMSE/MAE, browse a user's
 * recommendations, compare it with the bias baseline (RMSE “—”, sorted
 * last), open the users side in Explore (similar users with the items they
 * share), and export both tables as projector folders read back with the
 * projector's rules.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readProjectorFolder } from '../../src/main/export/projector-parse'
import type { Dataset } from '../../src/shared/schemas'
import type { Run } from '../../src/shared/train'
import { launchBrowser, runSucceeded, screenshot, startServer, waitFor, watchConsole, type App, pageApi } from './harness'

let app: App
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
let problems: string[]
let ratings: Dataset

const api = <T>(method: string, input: unknown): Promise<T> => pageApi<T>(page, method, input)

const base = () => app.url.split('/?')[0]!

beforeAll(async () => {
  app = await startServer()
  browser = await launchBrowser()
  page = await browser.context.newPage()
  problems = watchConsole(page)
  await page.goto(app.url)
  await waitFor(async () => (await api<Dataset[]>('listDatasets', {})).filter((d) => d.status === 'ready').length === 2, 'the sample datasets')
  ratings = (await api<Dataset[]>('listDatasets', {})).find((d) => d.options.sample === 'ratings')!
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})


describe('item2vec in the browser', () => {
  let runId: number

  it('trains item2vec from the train form: grouped fields, CPU only, an estimated run time', async () => {
    await page.getByTestId('nav-train').click()
    await page.getByTestId('train-dataset').selectOption(String(ratings.id))
    await page.getByTestId('train-model').selectOption('item2vec')
    for (const g of ['vectors', 'training', 'sequences', 'users']) await page.getByTestId(`group-${g}`).waitFor()
    // Leave-last-out by default; the window's help says what 0 means.
    expect(await page.getByTestId('param-split').inputValue()).toBe('leave-last-out')
    expect(await page.locator('[data-field="window"]').innerText()).toMatch(/0 = the whole sequence/)
    // The minimum rating is empty (= all interactions) and valid that way.
    expect(await page.getByTestId('param-minRating').inputValue()).toBe('')
    // CPU only: neither Auto nor TensorFlow.js.
    expect(await page.getByTestId('engine-sparse').isVisible()).toBe(true)
    expect(await page.getByTestId('engine-tfjs').count()).toBe(0)
    expect(await page.getByTestId('engine-auto').count()).toBe(0)
    expect(await page.getByTestId('engine-reason').innerText()).toMatch(/CPU only/)

    const estimate = page.getByTestId('item2vec-estimate')
    const seconds = async () => Number(await estimate.getAttribute('data-seconds'))
    await expect.poll(seconds).toBeGreaterThan(0)
    expect(await estimate.innerText()).toMatch(/Estimated training time.*an estimate/s)
    // The whole-sequence preset takes longer than a 5-item window.
    const windowed = await seconds()
    await page.getByTestId('preset-whole-sequence').click()
    expect(await page.getByTestId('param-window').inputValue()).toBe('0')
    await expect.poll(seconds).toBeGreaterThan(windowed)
    expect(await estimate.innerText()).toMatch(/whole sequence/)
    // SIF's parameter is off with mean user vectors.
    await page.getByTestId('param-userVectors').selectOption('mean')
    expect(await page.getByTestId('param-sifA').isDisabled()).toBe(true)
    await page.getByTestId('param-userVectors').selectOption('sif')

    await page.getByTestId('preset-word2vec').click()
    await page.getByTestId('param-dim').fill('32')
    await page.getByTestId('param-epochs').fill('5')
    await screenshot(page, '30-train-item2vec')
    await page.getByTestId('group-users').scrollIntoViewIfNeeded()
    await screenshot(page, '30-train-item2vec-groups')
    await estimate.scrollIntoViewIfNeeded()
    await screenshot(page, '30-train-item2vec-estimate')

    await page.getByTestId('start-run').click()
    await page.getByTestId('run-detail').waitFor()
    runId = Number(new URL(page.url()).hash.match(/runs\/(\d+)/)?.[1])
    expect(runId).toBeGreaterThan(0)
    await runSucceeded(page, runId)
  })

  it('shows the run’s loss and words/s charts and an evaluation without RMSE/MAE', async () => {
    const evaluation = page.getByTestId('run-evaluation')
    await evaluation.waitFor()
    expect(await evaluation.getByTestId('eval-rmse').count()).toBe(0)
    expect(await evaluation.getByTestId('eval-mae').count()).toBe(0)
    expect(Number(await evaluation.getByTestId('eval-hitRate').getAttribute('data-value'))).toBeGreaterThanOrEqual(0)
    expect(await evaluation.getByTestId('eval-ndcg').getAttribute('data-value')).not.toBeNull()
    expect(await page.getByTestId('eval-omitted').innerText()).toMatch(/RMSE and MAE do not apply/)
    expect(await page.getByTestId('rmse-chart').count()).toBe(0)
    // Per-epoch loss (5 points) plus the live batch losses; words/s.
    await expect.poll(() => page.getByTestId('loss-chart').getAttribute('data-points').then(Number), { timeout: 10_000 }).toBeGreaterThan(5)
    await expect.poll(() => page.getByTestId('speed-chart').getAttribute('data-points').then(Number), { timeout: 10_000 }).toBeGreaterThan(0)
    await page.getByTestId('loss-chart').locator('canvas').first().waitFor()
    await page.getByTestId('speed-chart').locator('canvas').first().waitFor()
    expect(await page.getByTestId('run-detail').innerText()).toMatch(/words\/s/)
    const run = await api<Run>('getRun', { id: runId })
    expect(run.evaluation!.rmse).toBeNull()
    expect(run.hasEmbeddings).toBe(true)
    await screenshot(page, '31-item2vec-run')
    await page.getByTestId('speed-chart').scrollIntoViewIfNeeded()
    await screenshot(page, '31-item2vec-charts')
  })

  it('recommends at least 5 unseen items to a user', async () => {
    await page.getByTestId('open-user-view').click()
    await page.getByTestId('user-view').waitFor()
    await page.getByTestId('user-suggestion').first().click()
    const recs = page.getByTestId('user-recs').getByTestId('rec-row')
    await expect.poll(() => recs.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(5)
    expect(await page.getByTestId('user-history').getByTestId('history-row').count()).toBeGreaterThan(5)
    expect(await page.getByTestId('user-view').innerText()).toMatch(/ranked by cosine/)
    await screenshot(page, '32-item2vec-user')
  })

  it('compares with the bias baseline on the same split: RMSE “—” for item2vec, sorted last both ways', async () => {
    const started = await api<Run>('startRun', { datasetId: ratings.id, params: { model: 'bias-baseline', split: 'leave-last-out' } })
    await waitFor(async () => (await api<Run>('getRun', { id: started.id })).status === 'succeeded', 'the baseline run', 120_000)
    await page.getByTestId('nav-compare').click()
    await page.getByTestId('compare-dataset').selectOption(String(ratings.id))
    const rows = page.getByTestId('compare-table').getByTestId('compare-row')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2)
    expect(await page.getByTestId('compare-split').inputValue()).toBe('leave-last-out')
    const mine = page.locator(`[data-testid="compare-row"][data-run-id="${runId}"]`)
    expect((await mine.getByTestId('compare-rmse').innerText()).trim()).toBe('—')
    expect((await mine.getByTestId('compare-mae').innerText()).trim()).toBe('—')
    expect(await mine.getByTestId('compare-rmse').getAttribute('data-na')).toBe('true')
    expect(await mine.getByTestId('compare-ndcg').getAttribute('data-value')).not.toBeNull()
    // The baseline has the only RMSE: it is the best, and item2vec sorts last either way.
    expect(await page.locator(`[data-testid="compare-row"][data-run-id="${started.id}"] [data-testid="compare-rmse"]`).getAttribute('data-best')).toBe('true')
    await page.getByTestId('compare-sort-rmse').click()
    expect(await rows.last().getAttribute('data-run-id')).toBe(String(runId))
    await page.getByTestId('compare-sort-rmse').click()
    expect(await rows.last().getAttribute('data-run-id')).toBe(String(runId))
    await screenshot(page, '33-item2vec-compare')
  })

  it('opens the users side in Explore: a user’s similar users with the items they share', async () => {
    await page.goto(`${base()}/#/runs/${runId}`)
    await page.getByTestId('run-detail').waitFor()
    await page.getByTestId('explore-run-left').click()
    await expect.poll(() => new URL(page.url()).hash).toMatch(new RegExp(`#/explore/${runId}\\?.*side=left`))
    const user = ratings.stats!.topLeft![0]!
    await page.getByTestId('entity-search').fill(user.key)
    await page.getByTestId('search-results').getByTestId('search-result').filter({ hasText: user.label }).first().click()
    await page.getByTestId('entity-record').waitFor()
    const rows = page.getByTestId('similar-table').getByTestId('similar-row')
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(5)
    const overlaps = (await page.getByTestId('similar-overlap').allInnerTexts()).map((t) => Number(t.replace(/[^\d]/g, '')))
    expect(overlaps.length).toBeGreaterThanOrEqual(5)
    expect(overlaps.some((n) => n > 0)).toBe(true)
    expect(await page.getByTestId('similar-table').innerText()).toMatch(/Shared/)
    await screenshot(page, '34-item2vec-explore-users')
    await page.getByTestId('similar-card').scrollIntoViewIfNeeded()
    await screenshot(page, '34-item2vec-similar-users')
  })

  it('exports the users and the items as projector folders that read back', async () => {
    const users = join(app.dataDir, 'exports', 'item2vec-users')
    await page.getByTestId('tab-export').click()
    await page.getByTestId('export-format-projector').click()
    await page.getByTestId('export-col-label').waitFor()
    expect(await page.getByTestId('export-col-label').isChecked()).toBe(true)
    await page.getByTestId('export-col-frequency').check()
    await page.getByTestId('export-folder').fill(users)
    await page.getByTestId('start-export').click()
    await page.getByTestId('export-result').waitFor({ timeout: 60_000 })
    await screenshot(page, '35-item2vec-export-users')
    const u = (await readProjectorFolder(users)).embeddings[0]!
    expect(u.tensorShape).toEqual([ratings.stats!.left.count, 32])
    expect(u.metadata!.header).toEqual(['label', 'frequency'])
    expect(u.metadata!.rows.length).toBe(ratings.stats!.left.count)

    const items = join(app.dataDir, 'exports', 'item2vec-items')
    await page.getByTestId('explore-side-right').click()
    await expect.poll(() => new URL(page.url()).hash).toMatch(/side=right/)
    await page.getByTestId('export-format-projector').click()
    await page.getByTestId('export-col-genres').waitFor()
    // Label and genres are the defaults for the movies.
    expect(await page.getByTestId('export-col-label').isChecked()).toBe(true)
    expect(await page.getByTestId('export-col-genres').isChecked()).toBe(true)
    await page.getByTestId('export-folder').fill(items)
    await page.getByTestId('start-export').click()
    await page.getByTestId('export-result').waitFor({ timeout: 60_000 })
    await screenshot(page, '36-item2vec-export-items')
    const i = (await readProjectorFolder(items)).embeddings[0]!
    expect(i.tensorShape).toEqual([ratings.stats!.right.count, 32])
    expect(i.metadata!.header).toEqual(['label', 'genres'])
    expect(i.metadata!.rows.length).toBe(ratings.stats!.right.count)
  })

  it('logged no console errors or CSP violations', () => {
    expect(problems).toEqual([])
  })
})
