/**
 * One contract suite, two transports: in-memory (structured clone, no
 * processes) and the real headless HTTP + WebSocket server. Imports run in
 * real worker processes against a real SQLite file in a temp dir.
 */
import { writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError, createApiClient, methods, type WorkbenchApi } from '../src/shared/api'
import type { Job } from '../src/shared/schemas'
import { createWorkbench, type Workbench } from '../src/main/app'
import { memoryTransport } from '../src/main/api/memory'
import { httpTransport, type HttpTransport } from '../src/main/server/client'
import { startHttpServer, type RunningServer } from '../src/main/server/http'
import { tempDir } from './helpers/tmp'

interface Harness {
  api: WorkbenchApi
  dir: string
  close(): Promise<void>
}

async function memoryHarness(): Promise<Harness> {
  const tmp = tempDir()
  const wb = createWorkbench({ dataDir: tmp.dir, samples: false })
  return {
    api: createApiClient(memoryTransport(wb.handlers, wb.events)),
    dir: tmp.dir,
    async close() {
      wb.close()
      tmp.cleanup()
    },
  }
}

let lastServer: { server: RunningServer; wb: Workbench } | null = null
async function httpHarness(): Promise<Harness> {
  const tmp = tempDir()
  const wb = createWorkbench({ dataDir: tmp.dir, samples: false })
  const server = await startHttpServer({ handlers: wb.handlers, events: wb.events, uploadDir: join(tmp.dir, 'uploads'), staticDir: null })
  lastServer = { server, wb }
  const transport: HttpTransport = httpTransport(server.url, server.token)
  await transport.ready()
  return {
    api: createApiClient(transport),
    dir: tmp.dir,
    async close() {
      transport.close()
      await server.close()
      wb.close()
      tmp.cleanup()
    },
  }
}

/** Resolve when a job ends, from the pushed events only (no polling). */
function jobEnd(api: WorkbenchApi, start: () => Promise<Job>): Promise<{ job: Job; seen: Job[] }> {
  const seen: Job[] = []
  return new Promise((resolve, reject) => {
    let id: string | null = null
    const off = api.onJobUpdate((j) => {
      seen.push(j)
      if (id && j.id === id && j.status !== 'running') {
        off()
        resolve({ job: j, seen })
      }
    })
    start().then((j) => {
      id = j.id
      const ended = seen.find((s) => s.id === id && s.status !== 'running')
      if (ended) {
        off()
        resolve({ job: ended, seen })
      }
    }, reject)
  })
}

async function expectApiError(p: Promise<unknown>, code: ApiError['code'], message?: RegExp): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ApiError)
  expect((err as ApiError).code).toBe(code)
  if (message) expect((err as ApiError).message).toMatch(message)
  return err as ApiError
}

describe.each([
  ['in-memory', memoryHarness],
  ['HTTP + WebSocket', httpHarness],
])('API contract over %s', (_name, make) => {
  let h: Harness
  beforeAll(async () => {
    h = await make()
  })
  afterAll(async () => {
    await h.close()
  })

  it('answers appInfo with a valid payload', async () => {
    const info = await h.api.appInfo({})
    expect(methods.appInfo.output.parse(info)).toEqual(info)
    expect(info.dataDir).toBe(h.dir)
    expect(info.versions.node).toBe(process.versions.node)
  })

  it('starts with no datasets', async () => {
    expect(await h.api.listDatasets({})).toEqual([])
  })

  it('rejects a malformed payload with a clear validation error naming the field', async () => {
    const err = await expectApiError(h.api.getDataset({ id: 'seven' as unknown as number }), 'invalid_request', /getDataset/)
    expect(err.issues).toEqual([{ path: 'id', message: expect.stringMatching(/number/) }])
    await expectApiError(h.api.getDataset({} as never), 'invalid_request', /id/)
    await expectApiError(h.api.listDatasets({ surprise: 1 } as never), 'invalid_request', /surprise/)
    const spec = { format: 'pairs-csv', file: { path: '' }, leftColumn: 'a', rightColumn: 'b' } as const
    const e2 = await expectApiError(h.api.previewImport({ spec }), 'invalid_request')
    expect(e2.issues?.[0]).toEqual({ path: 'spec.file.path', message: 'a file path is required' })
    await expectApiError(h.api.startImport({ spec: { format: 'excel' } as never }), 'invalid_request', /format/)
  })

  it('reports what does not exist as not_found', async () => {
    await expectApiError(h.api.getDataset({ id: 999 }), 'not_found', /Dataset 999/)
    await expectApiError(h.api.deleteDataset({ id: 999 }), 'not_found')
    await expectApiError(h.api.cancelJob({ id: 'nope' }), 'not_found', /Job nope/)
  })

  it('has no folder picker outside the desktop app, and says so', async () => {
    await expectApiError(h.api.chooseFolder({}), 'conflict', /headless mode/)
  })

  it('imports a pair list in a worker, pushes job events, and lists the dataset with its counts', async () => {
    const file = join(h.dir, 'pairs.csv')
    writeFileSync(file, 'book,link\nDune,desert\nDune,spice\nEmma,bath\nEmma,desert\n')
    const spec = { format: 'pairs-csv' as const, file: { path: file }, leftColumn: 'book', rightColumn: 'link' }
    const preview = await h.api.previewImport({ spec })
    expect(preview.columns).toEqual(['book', 'link'])
    expect(preview.rows.slice(0, 2)).toEqual([
      ['Dune', 'desert'],
      ['Dune', 'spice'],
    ])
    // Before the columns are chosen, a preview answers with the header and suggestions.
    const first = await h.api.previewImport({ spec: { format: 'pairs-csv', file: { path: file } } })
    expect(first.columns).toEqual(['book', 'link'])
    expect(first.suggested).toMatchObject({ leftColumn: 'book', rightColumn: 'link' })
    const { job, seen } = await jobEnd(h.api, () => h.api.startImport({ spec, name: 'tiny' }))
    expect(job.status).toBe('succeeded')
    expect(seen.some((j) => j.status === 'running')).toBe(true)
    const id = job.result!.datasetId as number
    const d = await h.api.getDataset({ id })
    expect(d).toMatchObject({ name: 'tiny', status: 'ready', kind: 'pairs' })
    expect(d.stats).toMatchObject({ interactions: 4, distinctPairs: 4, left: { count: 2 }, right: { count: 3 } })
    expect(d.stats!.density).toBeCloseTo(4 / (2 * 3), 12)
    expect(d.stats!.topRight[0]).toMatchObject({ key: 'desert', count: 2 })
    const ents = await h.api.listEntities({ datasetId: id, side: 'right', query: 'SPI' })
    expect(ents.items.map((e) => e.key)).toEqual(['spice'])
    expect((await h.api.listDatasets({})).map((x) => x.id)).toContain(id)
    const renamed = await h.api.renameDataset({ id, name: '  renamed ' })
    expect(renamed.name).toBe('renamed')
  })

  it('a malformed file fails with line numbers and leaves earlier datasets intact', async () => {
    const before = await h.api.listDatasets({})
    const file = join(h.dir, 'bad.csv')
    writeFileSync(file, 'book,link\nA,x\nB\nC,y\nD,z,extra\n')
    const spec = { format: 'pairs-csv' as const, file: { path: file }, leftColumn: 'book', rightColumn: 'link' }
    const { job } = await jobEnd(h.api, () => h.api.startImport({ spec }))
    expect(job.status).toBe('failed')
    expect(job.error?.code).toBe('bad_rows')
    expect(job.error?.badRows?.total).toBe(2)
    expect(job.error?.badRows?.first.map((b) => b.line)).toEqual([3, 5])
    expect(await h.api.listDatasets({})).toEqual(before)
    const skipped = await jobEnd(h.api, () => h.api.startImport({ spec, badRows: 'skip' }))
    expect(skipped.job.status).toBe('succeeded')
    const d = await h.api.getDataset({ id: skipped.job.result!.datasetId as number })
    expect(d.stats).toMatchObject({ interactions: 2, skippedRows: 2 })
  })

  it('deletes a dataset', async () => {
    const all = await h.api.listDatasets({})
    const victim = all[all.length - 1]!
    expect(await h.api.deleteDataset({ id: victim.id })).toEqual({ ok: true })
    expect((await h.api.listDatasets({})).map((d) => d.id)).not.toContain(victim.id)
  })
})

describe('headless server security', () => {
  let h: Harness
  let server: RunningServer
  beforeAll(async () => {
    h = await httpHarness()
    server = lastServer!.server
  })
  afterAll(async () => {
    await h.close()
  })

  it('binds 127.0.0.1 and prints a login URL with a random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.token).toMatch(/^[0-9a-f]{48}$/)
    expect(server.loginUrl).toBe(`${server.url}/?token=${server.token}`)
  })

  it('refuses a request without the token, or with a wrong one', async () => {
    const noToken = await fetch(`${server.url}/api/listDatasets`, { method: 'POST', body: '{}' })
    expect(noToken.status).toBe(401)
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
    const wrong = await fetch(`${server.url}/api/listDatasets`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer 0000' } })
    expect(wrong.status).toBe(401)
    const page = await fetch(`${server.url}/`)
    expect(page.status).toBe(401)
  })

  it('refuses a WebSocket without the token', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/events`)
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'))
      ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)))
      ws.once('error', () => resolve('error'))
    })
    expect(outcome).toBe('401')
  })

  it('refuses a WebSocket from another origin even with the cookie', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/events?token=${server.token}`, { origin: 'http://evil.example' })
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'))
      ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)))
    })
    expect(outcome).toBe('401')
  })

  it('answers a body that is not JSON with a clear 400', async () => {
    const res = await fetch(`${server.url}/api/getDataset`, { method: 'POST', body: '{id:', headers: { authorization: `Bearer ${server.token}` } })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/)
  })

  it('logs a browser in with ?token= (cookie, redirect without the token)', async () => {
    const res = await fetch(server.loginUrl, { redirect: 'manual' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/')
    const cookie = res.headers.get('set-cookie')!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const call = await fetch(`${server.url}/api/listDatasets`, { method: 'POST', body: '{}', headers: { cookie: cookie.split(';')[0]! } })
    expect(call.status).toBe(200)
  })

  it('accepts uploads into the data directory', async () => {
    const res = await fetch(`${server.url}/upload?name=${encodeURIComponent('../../etc/my file.csv')}`, {
      method: 'POST',
      body: 'a,b\n1,2\n',
      headers: { authorization: `Bearer ${server.token}` },
    })
    expect(res.status).toBe(200)
    const { result } = (await res.json()) as { result: { path: string } }
    expect(result.path.startsWith(join(h.dir, 'uploads'))).toBe(true)
    expect(basename(result.path)).toBe('my file.csv')
  })
})
