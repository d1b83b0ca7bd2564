// The router options every reliability server process uses, whatever its adapter: a verifier for
// every sender in core's registry, a real Redis dedupe store, and handlers that record their effect in Redis.
import type { Logger, Verifier, WebhookRouterOptions } from '@upload-webhooks/core'
import { cloudinary, qstash, sonuslab, standardWebhooks, uploadcare } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSecret, devSigningKeys, devStandardWebhooksSecret } from '@upload-webhooks/core/testing'
import { Redis } from 'ioredis'
import { EFFECTS_KEY, PUBLIC_URL, RAN_ON_KEY, WEBHOOK_PATH } from '../support/constants.js'
import { HANDLED_TYPES, SENDER_KINDS, type SenderKind } from '../support/events.js'

export { WEBHOOK_PATH }

/** Everything a server process is told through its environment. */
export interface ServerEnv {
  /** Name written next to each effect, so a test can tell which process ran a handler. */
  name: string
  redisUrl: string
  /** Share of handler calls that throw before their effect (0–1). Default: 0. */
  faultRate: number
  /** Dedupe lock, seconds. Default: the router's (30). */
  lockSeconds: number | undefined
  /** Each handler waits a random 0..this many ms before its effect, so duplicates overlap. Default: 0. */
  handlerDelayMs: number
  /** Print `start <fileId>` when a handler begins (the SIGKILL scenario watches them). */
  reportStarts: boolean
  /** After this many handler calls, every further call hangs before its effect (until the process is killed). Default: never. */
  hangAfter: number | undefined
  /** BullMQ queue the router defers every handled type to, and the queue a worker process drains. Default: none. */
  deferQueue: string | undefined
}

export function readServerEnv(env = process.env): ServerEnv {
  const redisUrl = env.RELIABILITY_REDIS_URL
  if (!redisUrl) throw new Error('RELIABILITY_REDIS_URL is required (redis://127.0.0.1:<port>/<db>)')
  return {
    name: env.RELIABILITY_NAME ?? `pid-${process.pid}`,
    redisUrl,
    faultRate: Number(env.RELIABILITY_FAULT_RATE ?? 0),
    lockSeconds: env.RELIABILITY_LOCK_SECONDS ? Number(env.RELIABILITY_LOCK_SECONDS) : undefined,
    handlerDelayMs: Number(env.RELIABILITY_HANDLER_DELAY_MS ?? 0),
    reportStarts: env.RELIABILITY_REPORT_STARTS === '1',
    hangAfter: env.RELIABILITY_HANG_AFTER ? Number(env.RELIABILITY_HANG_AFTER) : undefined,
    deferQueue: env.RELIABILITY_DEFER_QUEUE || undefined,
  }
}

/** What a process counts; printed as `stats <json>` when it is asked to stop (SIGTERM). */
export interface ServerStats {
  handlerCalls: number
  /** Handler calls that threw on purpose (fault injection), before any effect. */
  injectedFaults: number
  /** Effect writes that failed (Redis down): the outcome is unknown, the handler threw. */
  effectWriteErrors: number
  /** File ids of those writes: the only events allowed to show two effects. */
  effectWriteErrorIds: string[]
  /** The router answered 200 but could not mark the delivery done (store down after the effect). */
  commitFailures: number
  /** Failed commits the router's background retry then wrote after the store came back. */
  commitsRecovered: number
  releaseFailures: number
  storeUnavailable: number
}

/** Counters at zero, for a server process or an in-process router. */
export const emptyStats = (): ServerStats => ({
  handlerCalls: 0,
  injectedFaults: 0,
  effectWriteErrors: 0,
  effectWriteErrorIds: [],
  commitFailures: 0,
  commitsRecovered: 0,
  releaseFailures: 0,
  storeUnavailable: 0,
})

/**
 * The Redis client every process uses: no offline queue, so commands fail at once while Redis
 * is down (the router answers 503), quick reconnects, and no automatic re-sending of commands
 * that were in flight when the connection dropped (a re-sent HINCRBY would double an effect).
 */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(50 * times, 300),
    lazyConnect: false,
  })
}

/** Resolves once the client can take commands (with no offline queue, earlier ones would fail). */
export function redisReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Redis not ready after 10 s')), 10_000)
    redis.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** Each registry sender's verifier with the development keys its signer uses; a Record, so a new sender is a type error until configured. */
const VERIFIERS: Record<SenderKind, () => Verifier> = {
  qstash: () => qstash({ ...devSigningKeys, url: PUBLIC_URL }),
  sonuslab: () => sonuslab({ secret: devSecret }),
  uploadcare: () => uploadcare({ secret: devSecret }),
  'standard-webhooks': () => standardWebhooks({ secret: devStandardWebhooksSecret }),
  cloudinary: () => cloudinary({ apiSecret: devSecret }),
}

/** Every sender in core's registry. */
export function createVerifiers(): Verifier[] {
  return SENDER_KINDS.map((kind) => VERIFIERS[kind]())
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function createRouterOptions(env: ServerEnv, redis: Redis, stats: ServerStats, print: (line: string) => void): WebhookRouterOptions {
  // Quiet logger that counts: 30 % injected faults would otherwise flood the test output.
  const logger: Logger = {
    warn: () => {},
    info: (message) => {
      if (message.includes('marked a delivery done after the store came back')) stats.commitsRecovered++
    },
    error: (message) => {
      if (message.includes('could not mark a delivery done')) stats.commitFailures++
      else if (message.includes('could not release a claim')) stats.releaseFailures++
      else if (message.includes('dedupe store unreachable')) stats.storeUnavailable++
    },
  }

  async function recordEffect(event: { file?: { id: string } }) {
    const fileId = event.file?.id
    if (!fileId) throw new Error('reliability events always carry a file id')
    stats.handlerCalls++
    if (env.reportStarts) print(`start ${fileId}`)
    // A process about to be SIGKILLed: its handlers stall before the effect, so the kill lands mid-handler.
    if (env.hangAfter !== undefined && stats.handlerCalls > env.hangAfter) await new Promise(() => {})
    if (env.handlerDelayMs > 0) await sleep(Math.random() * env.handlerDelayMs)
    // Thrown before the effect: a handler that fails must leave nothing behind for its retry to double.
    if (Math.random() < env.faultRate) {
      stats.injectedFaults++
      throw new Error('injected fault')
    }
    try {
      // One transaction: the effect count and which process produced it.
      const result = await redis.multi().hincrby(EFFECTS_KEY, fileId, 1).hset(RAN_ON_KEY, fileId, env.name).exec()
      const failed = result?.find(([error]) => error)
      if (!result || failed) throw failed?.[0] ?? new Error('transaction aborted')
    } catch (error) {
      stats.effectWriteErrors++
      stats.effectWriteErrorIds.push(fileId)
      throw error
    }
  }

  return {
    verify: createVerifiers(),
    store: redisStore(redis, { commandTimeoutMs: 1000 }),
    ...(env.lockSeconds ? { dedupe: { lockSeconds: env.lockSeconds } } : {}),
    logger,
    handlers: Object.fromEntries(HANDLED_TYPES.map((type) => [type, recordEffect])),
  }
}
