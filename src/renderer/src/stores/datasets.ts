/** The dataset list, kept fresh from `onDatasetsChanged` (and import progress, which creates datasets). */
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import type { Dataset, Job } from '../../../shared/schemas'
import { useApi } from '../composables/useApi'
import { errorMessage } from '../lib/errors'

export const useDatasetsStore = defineStore('datasets', () => {
  const api = useApi()
  const datasets = shallowRef<Dataset[]>([])
  const loaded = ref(false)
  const error = ref<string | null>(null)

  let inFlight: Promise<void> | null = null
  let again = false

  /** Reload the list; calls made while a reload runs coalesce into one more. */
  function refresh(): Promise<void> {
    if (inFlight) {
      again = true
      return inFlight
    }
    inFlight = (async () => {
      try {
        do {
          again = false
          datasets.value = await api.listDatasets({})
          error.value = null
          loaded.value = true
        } while (again)
      } catch (err) {
        error.value = errorMessage(err)
      } finally {
        inFlight = null
      }
    })()
    return inFlight
  }

  // An import's worker creates its dataset (status "importing") before main announces anything.
  let throttle: ReturnType<typeof setTimeout> | null = null
  function onJob(job: Job): void {
    if (job.kind !== 'import' && job.kind !== 'samples') return
    if (job.status !== 'running') {
      void refresh()
      return
    }
    throttle ??= setTimeout(() => {
      throttle = null
      void refresh()
    }, 1500)
  }

  const unsubscribe = [api.onDatasetsChanged(() => void refresh()), api.onJobUpdate(onJob)]
  onScopeDispose(() => {
    unsubscribe.forEach((off) => off())
    if (throttle) clearTimeout(throttle)
  })

  /** The dataset last opened in the Datasets view: the Train form starts with it. */
  const lastViewed = ref<number | null>(null)

  const byId = computed(() => new Map(datasets.value.map((d) => [d.id, d])))
  const ready = computed(() => datasets.value.filter((d) => d.status === 'ready'))

  async function rename(id: number, name: string): Promise<Dataset> {
    const updated = await api.renameDataset({ id, name })
    datasets.value = datasets.value.map((d) => (d.id === id ? updated : d))
    return updated
  }

  async function remove(id: number): Promise<void> {
    await api.deleteDataset({ id })
    datasets.value = datasets.value.filter((d) => d.id !== id)
  }

  return { datasets, loaded, error, byId, ready, lastViewed, refresh, rename, remove }
})
