/**
 * Rating models through the UI: train matrix factorisation and the bias
 * baseline on the sample ratings (same split), compare them, re-run one with
 * another seed, export the table as CSV, and browse one user's
 * recommendations.
 */
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, runSucceeded, screenshot, startServer, waitFor, watchConsole, type App } from './harness'

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

async function chooseRatingsDataset(testid: string): Promise<void> {
  const select = page.getByTestId(testid)
  const value = await select.locator('option', { hasText: 'Sample ratings' }).getAttribute('value')
  await select.selectOption(value!)
}

/** Start a run from the train form, wait until it succeeded; returns its id. */
async function trainFromForm(setup: () => Promise<void>, shot?: string): Promise<number> {
  await page.getByTestId('nav-train').click()
  await chooseRatingsDataset('train-dataset')
  await setup()
  if (shot) await screenshot(page, shot)
  await page.getByTestId('start-run').click()
  await page.getByTestId('run-detail').waitFor()
  const runId = Number(new URL(page.url()).hash.match(/runs\/(\d+)/)?.[1])
  expect(runId).toBeGreaterThan(0)
  await runSucceeded(page, runId)
  return runId
}

describe('rating models in the browser', () => {
  let mfRun: number
  let baselineRun: number

  it('trains matrix factorisation on the sample ratings, with the evaluation fields and only MF’s engines', async () => {
    mfRun = await trainFromForm(async () => {
      await expect.poll(() => page.getByTestId('train-model').inputValue()).toBe('mf')
      // Rating models only on a ratings dataset; the entity-pair model is not offered.
      const models = await page.getByTestId('train-model').locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))
      expect(models).toEqual(['global-mean', 'bias-baseline', 'user-knn', 'mf', 'deep-mf', 'autorec', 'rbm', 'item2vec'])
      await page.getByTestId('preset-quick').click()
      await page.getByTestId('param-epochs').fill('10')
      expect(await page.getByTestId('param-split').inputValue()).toBe('random')
      // No test file was imported with the sample: the predefined split cannot be chosen.
      expect(await page.getByTestId('param-split').locator('option[value="predefined"]').isDisabled()).toBe(true)
      await page.getByTestId('param-validationRatio').fill('0.1')
      expect(await page.getByTestId('engine-sparse').isVisible()).toBe(true)
      expect(await page.getByTestId('engine-tfjs').isVisible()).toBe(true)
      // Inline validation.
      await page.getByTestId('param-dim').fill('0')
      await page.getByTestId('param-error-dim').waitFor()
      await page.getByTestId('param-dim').fill('20')
      await expect.poll(() => page.getByTestId('param-error-dim').count()).toBe(0)
    }, '20-train-mf')
    const evaluation = page.getByTestId('run-evaluation')
    await evaluation.waitFor()
    const rmse = Number(await evaluation.getByTestId('eval-rmse').getAttribute('data-value'))
    expect(rmse).toBeGreaterThan(0)
    expect(rmse).toBeLessThan(1.5)
    await expect.poll(() => page.getByTestId('rmse-chart').getAttribute('data-points').then(Number), { timeout: 10_000 }).toBeGreaterThan(4)
    await page.getByTestId('rmse-chart').locator('canvas').first().waitFor()
    await screenshot(page, '21-mf-run')
  })

  it('trains the bias baseline on the same split, on the CPU only', async () => {
    baselineRun = await trainFromForm(async () => {
      await page.getByTestId('train-model').selectOption('bias-baseline')
      await page.getByTestId('param-regUser').waitFor()
      expect(await page.getByTestId('engine-tfjs').count()).toBe(0)
      expect(await page.getByTestId('engine-auto').count()).toBe(0)
    })
    await page.getByTestId('run-evaluation').waitFor()
    // The runs table shows the test RMSE of rating runs.
    const cell = page.locator(`[data-testid="run-row"][data-id="${baselineRun}"] [data-testid="cell-test-rmse"]`)
    await expect.poll(() => cell.getAttribute('data-value').then(Number)).toBeGreaterThan(0)
  })

  it('compares both runs on their split, sorts, and exports the table as CSV', async () => {
    await page.getByTestId('nav-compare').click()
    await chooseRatingsDataset('compare-dataset')
    const rows = page.getByTestId('compare-table').getByTestId('compare-row')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2)
    const ids = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-run-id'))))
    expect(ids.sort()).toEqual([mfRun, baselineRun].sort())
    expect(await page.getByTestId('compare-split').inputValue()).toBe('random:0.2:1')
    // One best cell per metric column with values.
    expect(await page.locator('[data-testid="compare-rmse"][data-best="true"]').count()).toBe(1)
    // Sorting by RMSE twice reverses the order.
    await page.getByTestId('compare-sort-rmse').click()
    const first = await rows.first().getAttribute('data-run-id')
    await page.getByTestId('compare-sort-rmse').click()
    expect(await rows.first().getAttribute('data-run-id')).not.toBe(first)

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compare-csv').click()])
    expect(download.suggestedFilename()).toMatch(/^comparison-sample-ratings.*\.csv$/)
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n')
    expect(csv[0]).toMatch(/^run,name,model,parameters,seed,engine,split,train,test,k,rmse,mae,precision,recall,ndcg,hitRate,auc,fit_seconds$/)
    expect(csv).toHaveLength(3)
    await screenshot(page, '22-compare')
  })

  it('re-runs the baseline with another seed: the spread over seeds appears', async () => {
    await page.locator(`[data-testid="compare-row"][data-run-id="${baselineRun}"] [data-testid="compare-rerun"]`).click()
    const rows = page.getByTestId('compare-table').getByTestId('compare-row')
    await expect.poll(() => rows.count(), { timeout: 120_000 }).toBe(3)
    await page.getByTestId('compare-spread').waitFor()
    expect(await page.getByTestId('spread-row').count()).toBe(1)
    await screenshot(page, '23-compare-seeds')
  })

  it('shows a user’s history and top recommendations with “because you rated”', async () => {
    await page.locator(`[data-testid="compare-row"][data-run-id="${mfRun}"] [data-testid="compare-users"]`).click()
    await page.getByTestId('user-view').waitFor()
    await page.getByTestId('user-suggestion').first().click()
    const recs = page.getByTestId('user-recs').getByTestId('rec-row')
    await expect.poll(() => recs.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(5)
    expect(await page.getByTestId('user-history').getByTestId('history-row').count()).toBeGreaterThan(5)
    expect(await page.locator('[data-testid="history-row"][data-part="test"]').count()).toBeGreaterThan(0)
    expect(await page.getByTestId('because-item').count()).toBeGreaterThan(0)
    await screenshot(page, '24-user-view')

    // The searchable picker: another user by key.
    await page.getByTestId('user-search').fill('2')
    await page.getByTestId('user-option').first().click()
    await expect.poll(() => new URL(page.url()).hash).toMatch(new RegExp(`#/runs/${mfRun}/users/\\d+`))
    await expect.poll(() => recs.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(5)
  })

  it('logged no console errors or CSP violations', () => {
    expect(problems).toEqual([])
  })
})
