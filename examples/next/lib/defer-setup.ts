// Environment → the deferred mode ("answer fast, process later"). With DEFER_URL set, the webhook
// route verifies and dedupes each delivery, hands it to QStash and answers 202 `accepted`; QStash
// delivers the job to this app's consumer route, which runs the same handlers. Without it the
// handlers run inline in the webhook route, as before.
import {
  createWorker,
  type DedupeStore,
  type DeferEngine,
  memoryStore,
  WebhookConfigError,
  type WebhookWorker,
  type WorkerHandlers,
} from '@upload-webhooks/core'
import { deferToQStash } from '@upload-webhooks/core/qstash'
import { handlers } from './handlers.js'
import { webhookPlanFromEnv } from './webhook-setup.js'

/** The variables this file reads, besides webhook-setup.ts's. */
export type DeferEnv = Partial<
  Record<'DEFER_URL' | 'QSTASH_TOKEN' | 'QSTASH_URL' | 'REDIS_URL' | 'UPSTASH_REDIS_REST_URL' | 'NODE_ENV', string>
>

/** Where `app/api/webhooks/upload/consumer/route.ts` answers. */
export const CONSUMER_PATH = '/api/webhooks/upload/consumer'

export interface DeferSetup {
  /** The consumer route's public URL: QStash delivers jobs there and signs for it. */
  url: string
  /** The dedupe store the router and the worker share; undefined: core's, from the environment (one Redis). */
  store: DedupeStore | undefined
  /** One line per choice, for the startup log. */
  summary: string[]
}

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== ''
const env = () => process.env as DeferEnv

// The worker clears the router's record of a dead letter, so both need the same store: in memory,
// one per process (on globalThis, so both route bundles see it).
const MEMORY = Symbol.for('upload-webhooks.example.defer-store')
function sharedMemoryStore(): DedupeStore {
  const registry = globalThis as Record<symbol, unknown>
  registry[MEMORY] ??= memoryStore()
  return registry[MEMORY] as DedupeStore
}

/** Reads the deferred mode from the environment; undefined when DEFER_URL is unset (handlers run inline). */
export function deferSetupFromEnv(from: DeferEnv = env()): DeferSetup | undefined {
  if (!isSet(from.DEFER_URL)) return undefined
  const url = from.DEFER_URL.trim()
  let path: string | undefined
  try {
    path = new URL(url).pathname
  } catch {}
  if (path !== CONSUMER_PATH) {
    throw new WebhookConfigError(
      `DEFER_URL must be this app's consumer route, https://<your app>${CONSUMER_PATH}, got ${JSON.stringify(url)}. Unset it to run handlers inline.`,
    )
  }
  if (!isSet(from.QSTASH_TOKEN)) {
    throw new WebhookConfigError(
      'DEFER_URL is set, so deliveries are deferred through QStash, but QSTASH_TOKEN is not: set it (Upstash console → QStash → ' +
        'Request builder; locally, the token of the local QStash, see the README), or unset DEFER_URL to run handlers inline.',
    )
  }
  const shared = isSet(from.REDIS_URL) || isSet(from.UPSTASH_REDIS_REST_URL)
  const store = shared ? undefined : sharedMemoryStore()
  const summary = [
    `handlers: DEFERRED through QStash${isSet(from.QSTASH_URL) ? ` at ${from.QSTASH_URL.trim()} (QSTASH_URL)` : ''}: the webhook route answers 202 accepted, QStash delivers each job to ${url} (DEFER_URL)`,
    `consumer: POST ${CONSUMER_PATH}, verifying QStash's signature for that URL; dedupe store ${shared ? "core's, from the environment" : 'in memory, shared by both routes'}`,
  ]
  return { url, store, summary }
}

/** The router's `defer` and `store` for the deferred mode, or nothing (inline). Checks every option. */
export function deferOptionsFromEnv(from: DeferEnv = env()): { defer: DeferEngine; store?: DedupeStore } | undefined {
  const setup = deferSetupFromEnv(from)
  if (!setup) return undefined
  const baseUrl = isSet(from.QSTASH_URL) ? from.QSTASH_URL.trim() : undefined
  const defer = deferToQStash({ url: setup.url, token: from.QSTASH_TOKEN!, ...(baseUrl ? { baseUrl } : {}) })
  return setup.store ? { defer, store: setup.store } : { defer }
}

// The same handlers as inline: written against the context the router and a worker both give.
const jobHandlers: WorkerHandlers = handlers

/** The consumer route's worker: the same handlers, QStash's signature checked with the app's signing keys. */
export function workerFromEnv(from: DeferEnv = env()): WebhookWorker | undefined {
  const setup = deferSetupFromEnv(from)
  if (!setup) return undefined
  const { keys } = webhookPlanFromEnv(from as Record<string, string>)
  return createWorker({ handlers: jobHandlers, ...(setup.store ? { store: setup.store } : {}), qstash: { url: setup.url, ...keys } })
}
