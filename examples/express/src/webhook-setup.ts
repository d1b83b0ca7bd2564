// Environment → verifier and dedupe store. The same file sits in every example (test/e2e checks
// the copies stay identical), so each example stays copyable on its own.
import { memoryStore, qstash, upstashStore, WebhookConfigError, type DedupeStore, type Verifier } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSigningKeys } from '@upload-webhooks/core/testing'
import { Redis as UpstashRedis } from '@upstash/redis'
import { Redis as IORedis } from 'ioredis'

/** The variables this file reads; `.env.example` names each one. */
export type WebhookEnv = Partial<Record<
  | 'QSTASH_CURRENT_SIGNING_KEY'
  | 'QSTASH_NEXT_SIGNING_KEY'
  | 'WEBHOOK_PUBLIC_URL'
  | 'UPSTASH_REDIS_REST_URL'
  | 'UPSTASH_REDIS_REST_TOKEN'
  | 'REDIS_URL'
  | 'NODE_ENV',
  string
>>

export interface WebhookSetup {
  verify: Verifier
  store: DedupeStore
  /** One line per choice made, for the startup log. */
  summary: string[]
}

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== ''

function requirePair(env: WebhookEnv, a: keyof WebhookEnv, b: keyof WebhookEnv): boolean {
  if (set(env[a]) !== set(env[b])) {
    const missing = set(env[a]) ? b : a
    throw new WebhookConfigError(`${missing} is not set: set both ${a} and ${b}, or neither.`)
  }
  return set(env[a])
}

/**
 * Reads the environment once at startup. Nothing set: the public dev signing keys and an
 * in-memory store, so the app runs with no account anywhere (and says so).
 */
export function webhookSetupFromEnv(env: WebhookEnv = process.env as WebhookEnv): WebhookSetup {
  const summary: string[] = []
  const url = set(env.WEBHOOK_PUBLIC_URL) ? env.WEBHOOK_PUBLIC_URL : undefined

  let keys: { currentSigningKey: string; nextSigningKey: string }
  if (requirePair(env, 'QSTASH_CURRENT_SIGNING_KEY', 'QSTASH_NEXT_SIGNING_KEY')) {
    keys = { currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY!, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY! }
    summary.push('signing keys: QSTASH_CURRENT_SIGNING_KEY / QSTASH_NEXT_SIGNING_KEY from the environment')
  } else {
    keys = devSigningKeys
    const warning = env.NODE_ENV === 'production' ? 'WARNING: anyone can sign deliveries with them. ' : ''
    summary.push(
      `signing keys: the public DEV keys (devSigningKeys from @upload-webhooks/core/testing). ${warning}` +
        'Set QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY to verify real QStash deliveries.',
    )
  }
  if (url) summary.push(`destination URL checked against the signature: ${url}`)
  const verify = qstash({ ...keys, ...(url ? { url } : {}) })

  let store: DedupeStore
  if (requirePair(env, 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN')) {
    store = upstashStore(new UpstashRedis({ url: env.UPSTASH_REDIS_REST_URL!, token: env.UPSTASH_REDIS_REST_TOKEN! }))
    summary.push(`dedupe store: Upstash Redis at ${new URL(env.UPSTASH_REDIS_REST_URL!).host}`)
  } else if (set(env.REDIS_URL)) {
    // No offline queue: while Redis is down a delivery gets 503 at once and QStash retries it.
    store = redisStore(new IORedis(env.REDIS_URL, { enableOfflineQueue: false }))
    summary.push(`dedupe store: Redis at ${new URL(env.REDIS_URL).host}`)
  } else {
    store = memoryStore()
    summary.push('dedupe store: in memory (this process only). Set UPSTASH_REDIS_REST_URL/_TOKEN or REDIS_URL to share it.')
  }
  return { verify, store, summary }
}
