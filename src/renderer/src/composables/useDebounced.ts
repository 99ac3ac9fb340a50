import { customRef, onScopeDispose } from 'vue'

/** A ref whose reads lag its writes by `ms` (search boxes, live previews). */
export function useDebouncedRef<T>(initial: T, ms = 250) {
  let timer: ReturnType<typeof setTimeout> | null = null
  let value = initial
  onScopeDispose(() => {
    if (timer) clearTimeout(timer)
  })
  return customRef<T>((track, trigger) => ({
    get() {
      track()
      return value
    },
    set(next) {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        value = next
        trigger()
      }, ms)
    },
  }))
}

/** Call `fn` once `ms` after the last of a burst of calls. */
export function useDebouncedFn<A extends unknown[]>(fn: (...args: A) => void, ms = 300) {
  let timer: ReturnType<typeof setTimeout> | null = null
  onScopeDispose(() => {
    if (timer) clearTimeout(timer)
  })
  const call = (...args: A): void => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      fn(...args)
    }, ms)
  }
  call.cancel = (): void => {
    if (timer) clearTimeout(timer)
    timer = null
  }
  call.flush = (...args: A): void => {
    call.cancel()
    fn(...args)
  }
  return call
}
