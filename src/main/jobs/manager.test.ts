/**
 * The job system with real worker processes (child_process.fork of
 * src/main/worker.ts), including workers that crash on purpose.
 */
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../../shared/schemas'
import { tempDir } from '../../../test/helpers/tmp'
import { JobManager } from './manager'

let tmp: ReturnType<typeof tempDir>
let updates: Job[]
let jobs: JobManager
beforeEach(() => {
  tmp = tempDir()
  updates = []
  jobs = new JobManager({ dbPath: join(tmp.dir, 'w.sqlite'), nativeBinding: null }, (j) => updates.push(j))
})
afterEach(() => {
  jobs.shutdown()
  tmp.cleanup()
})

const diagnostic = (params: Record<string, unknown>) =>
  jobs.start({ kind: 'diagnostic', task: 'diagnostic', title: 'diagnostic', params })

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('JobManager with real worker processes', () => {
  it('runs a job to its result, streaming progress', async () => {
    const job = diagnostic({ steps: 5, stepMs: 5 })
    const done = await jobs.wait(job.id)
    expect(done.status).toBe('succeeded')
    expect(done.result).toMatchObject({ steps: 5 })
    expect(done.result!.pid).not.toBe(process.pid)
    const progress = updates.filter((u) => u.id === job.id && u.status === 'running').map((u) => u.progress.done)
    expect(progress).toEqual(expect.arrayContaining([1, 5]))
    expect(done.progress.done).toBe(5)
  })

  it('a worker that exits on purpose fails its job with its stderr, and the manager lives on', async () => {
    const job = diagnostic({ steps: 10, stepMs: 5, crashAt: 3, crashHow: 'exit' })
    const done = await jobs.wait(job.id)
    expect(done.status).toBe('failed')
    expect(done.error?.code).toBe('crashed')
    expect(done.error?.message).toMatch(/exited with code 3/)
    expect(done.error?.message).toMatch(/crashing on purpose at step 3/)
    const next = await jobs.wait(diagnostic({ steps: 2, stepMs: 1 }).id)
    expect(next.status).toBe('succeeded')
  })

  it('an uncaught exception in the worker fails the job with that exception', async () => {
    const done = await jobs.wait(diagnostic({ steps: 10, stepMs: 5, crashAt: 2, crashHow: 'throw' }).id)
    expect(done.status).toBe('failed')
    expect(done.error?.message).toMatch(/threw on purpose at step 2/)
  })

  it('a task error is reported as the job error', async () => {
    const done = await jobs.wait(diagnostic({ steps: 10, stepMs: 1, crashAt: 4, crashHow: 'fail' }).id)
    expect(done.status).toBe('failed')
    expect(done.error).toEqual({ message: 'diagnostic task failed on purpose at step 4', code: 'failed', badRows: null })
  })

  it('an invalid parameter is a clear job error', async () => {
    const done = await jobs.wait(diagnostic({ steps: 'many' }).id)
    expect(done.status).toBe('failed')
    expect(done.error?.message).toMatch(/steps/)
  })

  it('cancel kills the worker process and runs the cleanup hook', async () => {
    let cleaned: Record<string, number> | null = null
    const job = jobs.start({
      kind: 'diagnostic',
      task: 'diagnostic',
      title: 'slow',
      params: { steps: 1000, stepMs: 20 },
      hooks: { cleanup: (_j, ctx) => (cleaned = ctx) },
    })
    // Wait until the worker is running and has made progress.
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (jobs.get(job.id)!.progress.done >= 2) {
          clearInterval(t)
          resolve()
        }
      }, 10)
    })
    const pid = jobs.workerPid(job.id)!
    expect(alive(pid)).toBe(true)
    const cancelled = jobs.cancel(job.id)!
    expect(cancelled.status).toBe('cancelled')
    expect(cleaned).toEqual({})
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false)
    expect((await jobs.wait(job.id)).status).toBe('cancelled')
  })
})
