/**
 * A task that exercises the worker machinery: counts to `steps`, optionally
 * crashing hard (process.exit / uncaught throw) or failing cleanly on the way.
 * Used by the tests of the job system; not reachable from the UI.
 */
import { z } from 'zod'
import { TaskError, type Reporter } from './reporter'

export const DiagnosticParams = z.object({
  steps: z.number().int().min(1).default(10),
  stepMs: z.number().min(0).default(10),
  crashAt: z.number().int().nullable().default(null),
  crashHow: z.enum(['exit', 'throw', 'fail']).default('exit'),
})

export async function runDiagnostic(raw: unknown, reporter: Reporter): Promise<Record<string, unknown>> {
  const p = DiagnosticParams.parse(raw)
  for (let i = 1; i <= p.steps; i++) {
    await new Promise((r) => setTimeout(r, p.stepMs))
    if (p.crashAt === i) {
      if (p.crashHow === 'exit') {
        process.stderr.write(`diagnostic worker crashing on purpose at step ${i}\n`)
        process.exit(3)
      }
      if (p.crashHow === 'throw') {
        setTimeout(() => {
          throw new Error(`diagnostic worker threw on purpose at step ${i}`)
        })
        await new Promise((r) => setTimeout(r, 1000))
      }
      throw new TaskError({ message: `diagnostic task failed on purpose at step ${i}`, code: 'failed', badRows: null })
    }
    reporter.progress({ done: i, total: p.steps, unit: 'steps', message: `step ${i} of ${p.steps}` }, true)
  }
  return { steps: p.steps, pid: process.pid }
}
