/**
 * A real workbench for integration tests: a fresh data directory, the API as
 * a client sees it (validation and defaults applied) over the in-memory
 * transport, and the two sample datasets imported by the real worker.
 */
import { createWorkbench, type Workbench } from '../../src/main/app'
import { memoryTransport } from '../../src/main/api/memory'
import { createApiClient, type WorkbenchApi } from '../../src/shared/api'
import type { Dataset } from '../../src/shared/schemas'
import { tempDir } from './tmp'

export interface SampleWorld {
  wb: Workbench
  api: WorkbenchApi
  library: Dataset
  ratings: Dataset
  dir: string
  close(): void
}

export async function sampleWorld(): Promise<SampleWorld> {
  const tmp = tempDir()
  const wb = createWorkbench({ dataDir: tmp.dir, samples: false })
  const api = createApiClient(memoryTransport(wb.handlers, wb.events))
  const done = await wb.jobs.wait((await api.addSampleDatasets({})).id)
  const all = await Promise.all((done.result!.datasetIds as number[]).map((id) => api.getDataset({ id })))
  return {
    wb,
    api,
    library: all.find((d) => d.options.sample === 'library')!,
    ratings: all.find((d) => d.options.sample === 'ratings')!,
    dir: tmp.dir,
    close() {
      wb.close()
      tmp.cleanup()
    },
  }
}
