/**
 * In-memory transport: the contract without processes or sockets. Payloads
 * are structured-cloned both ways, as IPC would, so tests over it see what a
 * renderer would see.
 */
import { ApiError, type ClientTransport } from '../../shared/api'
import type { EventBus } from '../app'
import { dispatch, type Handlers } from './handlers'

export function memoryTransport(handlers: Handlers, events: EventBus): ClientTransport {
  return {
    async invoke(method, input) {
      try {
        return structuredClone(await dispatch(handlers, method, structuredClone(input)))
      } catch (err) {
        throw new ApiError(structuredClone(ApiError.from(err).toBody()))
      }
    },
    subscribe(event, cb) {
      return events.on((name, payload) => {
        if (name === event) cb(structuredClone(payload))
      })
    },
  }
}
