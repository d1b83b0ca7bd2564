// The worker's options, checked once at construction: a bad one is a WebhookConfigError naming
// the fix, never a job that fails at 3 a.m.
import type { DeferredJob } from '../defer/job.js'
import { WebhookConfigError } from '../errors.js'
import type { DeliveryContext } from '../handlers.js'
import { checkPublicUrl, numberOption } from '../options.js'
import { type QStashVerifierOptions, qstash } from '../senders/qstash.js'
import type { KnownEvents } from '../senders/registry.js'
import { storeFromEnv } from '../stores/from-env.js'
import { joined } from '../stores/protocol.js'
import type { DedupeStore, Logger, Verifier } from '../types.js'

const OWNER = 'createWorker()'

/**
 * What a worker's handler gets besides the event: the router's `HandlerContext` without what
 * only the HTTP request had (`headers`, `rawBody`, and the signature's `timestamp`, `replayNonce`,
 * `bodyHash`), plus when the ingress accepted the delivery.
 */
export interface WorkerContext extends DeliveryContext {
  /** When the ingress accepted the delivery, ISO 8601 (the job's `receivedAt`). */
  receivedAt: string
}

// biome-ignore lint/suspicious/noExplicitAny: a handler for an unknown type may narrow the event itself
export type WorkerHandler<E = any> = (event: E, context: WorkerContext) => unknown | Promise<unknown>

/** Handlers keyed by event type, as the router's are. */
export type WorkerHandlers = { [K in keyof KnownEvents]?: WorkerHandler<KnownEvents[K]> } & { [type: string]: WorkerHandler | undefined }

export interface WorkerDedupeOptions {
  /** Must equal the router's `dedupe.keyPrefix`: the worker clears the router's record of a dead letter. Default: `'upload-webhooks'`. */
  keyPrefix?: string
  /**
   * How long a claim locks a job while its handler runs, in seconds (1 to 86 400). Keep it above
   * your longest handler: a redelivery after it expires runs the handler again. A killed worker's
   * job waits this long before another worker runs it. Default: 300.
   */
  lockSeconds?: number
  /** How long a processed job is remembered, in seconds (1 to 31 536 000). Default: 266 400 (74 h, the router's). */
  ttlSeconds?: number
}

export interface WorkerOptions {
  /** Handlers keyed by event type: the ones the router defers. Required. */
  handlers: WorkerHandlers
  /**
   * Where jobs are claimed and done jobs remembered: the router's store (the worker also clears
   * the router's record of a dead letter), so it must have `forget`, as every shipped store does.
   * Default: from the environment, as the router chooses it (Upstash, `REDIS_URL`, else memory).
   */
  store?: DedupeStore
  /** Key prefix and timing. Defaults: see each field. */
  dedupe?: WorkerDedupeOptions
  /**
   * Called once when the engine gives up on a job (attempts exhausted, a `NonRetryableError`, its
   * failure callback, the last Cloudflare retry, a job BullMQ failed without running it, through
   * `bullmqFailed`), after which the router's record of the delivery
   * is cleared so the sender's re-delivery is enqueued again. An error it throws is logged. Default: none (the error log only).
   */
  onDeadLetter?: (job: DeferredJob, error: unknown) => unknown
  /**
   * Needed by `handle()`, the QStash consumer route: the route's public URL (QStash signs it as the
   * token's `sub`) and, optionally, the signing keys. Checked here, with `qstash()`'s rules.
   * Default: none (`handle()` then answers 500 and logs this fix).
   */
  qstash?: Omit<QStashVerifierOptions, 'url' | 'events'> & {
    /** The consumer route's absolute public URL, as given to `deferToQStash({ url })`. Required. */
    url: string
  }
  /** What `queue()`, the Cloudflare Queues consumer, must know of the consumer's wrangler.toml. Defaults: see each field. */
  queue?: WorkerQueueOptions
  /** Default: `console`. */
  logger?: Logger
}

export interface WorkerQueueOptions {
  /**
   * The consumer's `max_retries`, 0 to 100: the delivery after the last retry dead-letters a job
   * that fails. Keep it equal to wrangler.toml's, or the queue gives up first. Default: 3 (Cloudflare's).
   */
  maxRetries?: number
  /**
   * The name of the consumer's `dead_letter_queue`, when this Worker consumes it too: its messages
   * are dead-lettered without running a handler. Default: none.
   */
  deadLetterQueue?: string
}

export interface WorkerSettings {
  handlers: ReadonlyMap<string, WorkerHandler>
  store: DedupeStore & Required<Pick<DedupeStore, 'forget'>>
  /** `<keyPrefix>~job:`: the worker's own records, apart from the router's. */
  jobKeys: string
  /** `<keyPrefix>:`: the router's delivery records. */
  deliveryKeys: string
  lockSeconds: number
  ttlSeconds: number
  onDeadLetter: ((job: DeferredJob, error: unknown) => unknown) | undefined
  /** The Cloudflare Queues consumer's retries and dead-letter queue. */
  queue: { maxRetries: number; deadLetterQueue: string | undefined }
  /** The QStash consumer's verifier and URL, when `qstash` was given. */
  qstash: { verifier: Verifier; url: string } | undefined
  logger: Logger
}

function keyPrefixOf(value: string | undefined): string {
  if (value === undefined) return 'upload-webhooks'
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(value)) {
    throw new WebhookConfigError(
      `${OWNER}: \`dedupe.keyPrefix\` must be 1 to 64 printable characters without spaces (the router's), got ${JSON.stringify(value)}`,
    )
  }
  return value
}

function handlersOf(handlers: WorkerHandlers | undefined): Map<string, WorkerHandler> {
  if (!handlers || typeof handlers !== 'object') {
    throw new WebhookConfigError(`${OWNER}: \`handlers\` is required, e.g. handlers: { 'upload.completed': async (event, ctx) => {} }`)
  }
  // A Map: a job typed "constructor" or "__proto__" never reaches Object.prototype.
  const map = new Map<string, WorkerHandler>()
  for (const [type, handler] of Object.entries(handlers)) if (typeof handler === 'function') map.set(type, handler)
  if (map.size === 0) throw new WebhookConfigError(`${OWNER}: \`handlers\` has no functions: give one per deferred event type`)
  return map
}

function storeOf(store: DedupeStore | undefined, logger: Logger): WorkerSettings['store'] {
  const chosen = store ?? storeFromEnv(logger)
  if (typeof chosen?.forget !== 'function') {
    throw new WebhookConfigError(
      `${OWNER}: the \`store\` has no forget(key), which clears a dead-lettered delivery's record so the sender's re-delivery ` +
        'runs again. Use memoryStore(), redisStore() or upstashStore(), or add forget to your store.',
    )
  }
  return chosen as WorkerSettings['store']
}

function qstashOf(options: WorkerOptions['qstash']): WorkerSettings['qstash'] {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null) {
    throw new WebhookConfigError(`${OWNER}: \`qstash\` must be an object, e.g. { url: 'https://your.app/api/jobs' }`)
  }
  const url = checkPublicUrl(`${OWNER} qstash`, 'url', options.url)
  return { verifier: qstash({ ...options, url }), url }
}

function queueOf(options: WorkerOptions['queue']): WorkerSettings['queue'] {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new WebhookConfigError(`${OWNER}: \`queue\` must be an object, e.g. { maxRetries: 3, deadLetterQueue: 'jobs-dlq' }`)
  }
  const deadLetterQueue = options?.deadLetterQueue
  // Cloudflare's queue names: letters, digits and dashes, up to 63.
  if (deadLetterQueue !== undefined && (typeof deadLetterQueue !== 'string' || !/^[A-Za-z0-9-]{1,63}$/.test(deadLetterQueue))) {
    throw new WebhookConfigError(
      `${OWNER}: \`queue.deadLetterQueue\` must be the dead-letter queue's name as in wrangler.toml, got ${JSON.stringify(deadLetterQueue)}`,
    )
  }
  return {
    maxRetries: numberOption(OWNER, 'queue.maxRetries', options?.maxRetries, 3, { min: 0, max: 100, integer: true }),
    deadLetterQueue,
  }
}

export function resolveWorkerSettings(options: WorkerOptions): WorkerSettings {
  if (!options || typeof options !== 'object') throw new WebhookConfigError(`${OWNER}: pass an options object with \`handlers\``)
  const logger = options.logger ?? console
  if (options.onDeadLetter !== undefined && typeof options.onDeadLetter !== 'function') {
    throw new WebhookConfigError(`${OWNER}: \`onDeadLetter\` must be a function (job, error) => void`)
  }
  const keyPrefix = keyPrefixOf(options.dedupe?.keyPrefix)
  return {
    handlers: handlersOf(options.handlers),
    store: storeOf(options.store, logger),
    jobKeys: joined(keyPrefix, '~job:'),
    deliveryKeys: joined(keyPrefix, ':'),
    lockSeconds: numberOption(OWNER, 'dedupe.lockSeconds', options.dedupe?.lockSeconds, 300, { min: 1, max: 86_400, integer: true }),
    ttlSeconds: numberOption(OWNER, 'dedupe.ttlSeconds', options.dedupe?.ttlSeconds, 74 * 3600, { min: 1, max: 31_536_000, integer: true }),
    onDeadLetter: options.onDeadLetter,
    queue: queueOf(options.queue),
    qstash: qstashOf(options.qstash),
    logger,
  }
}
