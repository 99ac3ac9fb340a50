import { inject, type App, type InjectionKey } from 'vue'
import type { Client } from '../api/client'

/** The one API client of the app, provided at start-up (tests may provide a fake). */
export const CLIENT_KEY: InjectionKey<Client> = Symbol('workbench-client')

export function provideClient(app: App, client: Client): void {
  app.provide(CLIENT_KEY, client)
}

/** The client: `api` (the typed contract), `transport`, `resolveFile`. Call inside setup or a store. */
export function useClient(): Client {
  const client = inject(CLIENT_KEY)
  if (!client) throw new Error('useClient() called outside the app, or no client was provided.')
  return client
}

export function useApi(): Client['api'] {
  return useClient().api
}
