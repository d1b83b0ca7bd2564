// The store when the router is given none: chosen from the environment, so the infra stack's
// outputs reach a running app with no code change. Clients are optional peer dependencies,
// loaded on first use with a plain dynamic import (bundlers are told to leave it alone), so the
// core entry stays runtime-neutral and an app that never sets these variables loads nothing.

import { StoreUnavailableError, WebhookConfigError } from '../errors.js'
import { readEnv } from '../runtime.js'
import type { DedupeStore, Logger } from '../types.js'
import { memoryStore } from './memory.js'
import { type UpstashRedisLike, upstashStore } from './upstash.js'

const OWNER = 'createWebhookRouter()'

/** `import(name)` that bundlers leave to the runtime: a missing optional peer fails here, not at build. */
const load = (name: string): Promise<Record<string, unknown>> => import(/* webpackIgnore: true */ /* @vite-ignore */ name)

/** A store whose client is still loading; calls wait for it, and fail with the fix if it cannot load. */
function lazyStore(pending: Promise<DedupeStore>, logger: Logger, fix: string): DedupeStore {
  const ready = pending.catch((error: unknown) => {
    logger.error(`[upload-webhooks] could not create the dedupe store: ${(error as Error)?.message ?? error}. ${fix}`)
    throw new StoreUnavailableError(`the dedupe store could not be created. ${fix}`, { cause: error })
  })
  ready.catch(() => {}) // reported above; every call rejects with it and answers 503
  return {
    claim: async (key, token, lockSeconds, nonce) => (await ready).claim(key, token, lockSeconds, nonce),
    commit: async (key, token, ttlSeconds) => (await ready).commit(key, token, ttlSeconds),
    release: async (key, token) => (await ready).release(key, token),
    forget: async (key) => (await ready).forget!(key),
  }
}

function upstashFromEnv(url: string, token: string): Promise<DedupeStore> {
  return load('@upstash/redis').then((module) => {
    const Redis = module['Redis'] as new (config: { url: string; token: string }) => UpstashRedisLike
    return upstashStore(new Redis({ url, token }))
  })
}

function redisFromEnv(url: string, logger: Logger): Promise<DedupeStore> {
  return Promise.all([load('ioredis'), load('@upload-webhooks/core/redis')]).then(([ioredis, core]) => {
    type Client = { on(event: string, listener: (error: Error) => void): unknown }
    const Redis = (ioredis['Redis'] ?? ioredis['default']) as new (url: string, options: object) => Client
    // No offline queue: while Redis is down a delivery gets 503 at once and the sender retries it.
    // Auto-pipelining: concurrent deliveries' commands share one write to the socket.
    const client = new Redis(url, { enableOfflineQueue: false, enableAutoPipelining: true })
    let reported = false
    client.on('error', (error) => {
      if (!reported) logger.warn(`[upload-webhooks] Redis is unreachable (${error.message}): deliveries are answered 503 until it is back`)
      reported = true
    })
    let store: DedupeStore | undefined
    // Made once connected, so it can load its scripts; without an offline queue a command sent
    // before the connection is up fails. Handed out when the client is ready, or at its first
    // error (then deliveries get 503 until it is).
    const made = () => {
      store ??= (core['redisStore'] as (client: Client) => DedupeStore)(client)
      return store
    }
    return new Promise<DedupeStore>((resolve) => {
      client.on('ready', () => {
        reported = false
        resolve(made())
      })
      client.on('error', () => resolve(made()))
    })
  })
}

const hostOf = (url: string, variable: string) => {
  try {
    return new URL(url).host
  } catch {
    throw new WebhookConfigError(`${OWNER}: ${variable} is not a URL. Set it to your Redis URL, e.g. rediss://default:<password>@host:6379`)
  }
}

/** UPSTASH_REDIS_REST_URL + _TOKEN → Upstash; REDIS_URL → Redis (Node); neither → memory. Says which, once. */
export function storeFromEnv(logger: Logger): DedupeStore {
  const upstashUrl = readEnv('UPSTASH_REDIS_REST_URL')?.trim()
  const upstashToken = readEnv('UPSTASH_REDIS_REST_TOKEN')?.trim()
  if (Boolean(upstashUrl) !== Boolean(upstashToken)) {
    const missing = upstashUrl ? 'UPSTASH_REDIS_REST_TOKEN' : 'UPSTASH_REDIS_REST_URL'
    throw new WebhookConfigError(
      `${OWNER}: ${missing} is not set: set both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or neither`,
    )
  }
  if (upstashUrl && upstashToken) {
    logger.info?.(
      `[upload-webhooks] dedupe store: Upstash Redis at ${hostOf(upstashUrl, 'UPSTASH_REDIS_REST_URL')} (UPSTASH_REDIS_REST_URL)`,
    )
    return lazyStore(upstashFromEnv(upstashUrl, upstashToken), logger, 'Install @upstash/redis (pnpm add @upstash/redis).')
  }
  const redisUrl = readEnv('REDIS_URL')?.trim()
  if (redisUrl) {
    const host = hostOf(redisUrl, 'REDIS_URL')
    if (typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== 'string') {
      throw new WebhookConfigError(
        `${OWNER}: REDIS_URL needs a TCP Redis client, which this runtime lacks. Use Upstash (UPSTASH_REDIS_REST_URL/_TOKEN) here.`,
      )
    }
    logger.info?.(`[upload-webhooks] dedupe store: Redis at ${host} (REDIS_URL)`)
    return lazyStore(redisFromEnv(redisUrl, logger), logger, 'Install ioredis (pnpm add ioredis).')
  }
  logger.info?.('[upload-webhooks] dedupe store: in memory (this process only); set REDIS_URL or UPSTASH_REDIS_REST_URL/_TOKEN to share it')
  return memoryStore()
}
