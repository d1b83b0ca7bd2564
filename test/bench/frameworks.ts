// The frameworks measured, each a Node request listener built for one variant. Loaded lazily:
// a server process imports only its own framework, which keeps start-up (and the smoke run) short.
import type { RequestListener } from 'node:http'
import type { Route } from './servers/variant.js'

export type Framework = 'express' | 'h3v1' | 'h3v2' | 'next'

type Listener = (route: Route) => RequestListener

export const FRAMEWORKS: Record<Framework, { label: string; load: () => Promise<Listener> }> = {
  express: { label: 'Express 5', load: async () => (await import('./servers/express.js')).expressListener },
  h3v1: { label: 'h3 v1', load: async () => (await import('./servers/h3v1.js')).h3v1Listener },
  h3v2: { label: 'h3 v2', load: async () => (await import('./servers/h3v2.js')).h3v2Listener },
  next: { label: 'Next (App Router handler)', load: async () => (await import('./servers/next.js')).nextListener },
}

export const isFramework = (name: string): name is Framework => Object.hasOwn(FRAMEWORKS, name)
