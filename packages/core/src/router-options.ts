// The router's options, and their checked, defaulted form. Every option is validated here, at
// construction: a bad one is a WebhookConfigError naming the fix, never a per-request surprise.

import type { DeferEngine } from './defer/job.js'
import { WebhookConfigError } from './errors.js'
import { checkHandlerKeys, checkSharedTypes } from './handler-keys.js'
import type { HandlerContext, HandlersFor, VerifyOption, WebhookHandlers } from './handlers.js'
import type { DeliveryObserver } from './observe.js'
import { checkPublicUrl, isProduction, numberOption } from './options.js'
import { readEnv } from './runtime.js'
import type { WebhookEvent } from './senders/registry.js'
import type { Deferral } from './steps/defer.js'
import { type KeySpace, keySpacesOf } from './steps/exactly-once.js'
import { storeFromEnv } from './stores/from-env.js'
import type { DedupeStore, Logger, Verifier } from './types.js'

export interface DedupeOptions {
  /** First part of every store key (`<prefix>:<verifier>:<deliveryId>`), 1 to 64 printable characters. Default: `'upload-webhooks'`. */
  keyPrefix?: string
  /**
   * How long a claim locks a delivery while its handler runs, in seconds (1 to 86 400); a crashed
   * worker's claim expires after it and the sender's retry runs the handler again. Keep handlers
   * well inside it and inside the sender's answer window (QStash 30 s, Sonuslab 10 s): hand long
   * work to a queue and return. Default: 30 (expires before Sonuslab's last retry).
   */
  lockSeconds?: number
  /** How long a processed delivery is remembered, in seconds (1 to 31 536 000). Default: 266 400 (74 h: Uploadcare retries for 72 h). */
  ttlSeconds?: number
}

export interface ErrorContext {
  /** Which step failed. */
  phase: 'handler' | 'store' | 'unknown-event'
  deliveryId?: string
  event?: WebhookEvent
}

export interface WebhookRouterOptions<V extends VerifyOption = VerifyOption> {
  /** How deliveries are verified: one verifier, or several (the one whose signature header is present is used). Required. */
  verify: V
  /**
   * Handlers keyed by event type. Unknown types are answered 200 `ignored` and never touch the store.
   * When every configured sender's event set is closed (Uploadcare), only its types type-check. Required.
   */
  handlers: HandlersFor<V>
  /**
   * Dedupe store. Default: from the environment — `UPSTASH_REDIS_REST_URL` + `UPSTASH_REDIS_REST_TOKEN`
   * → Upstash (`@upstash/redis`); `REDIS_URL` → Redis over ioredis (Node); neither → `memoryStore()`
   * (one process only; warns in production, see `production`). One startup line says which.
   */
  store?: DedupeStore
  /** Dedupe key and timing. Defaults: see each field. */
  dedupe?: DedupeOptions
  /** When the store is unreachable: `'reject'` answers 503 so the sender retries (fail closed); `'process'` runs the handler without dedupe. Default: `'reject'`. */
  onStoreError?: 'reject' | 'process'
  /**
   * Whether this router runs in production: a verifier made with a published development key is
   * then refused at construction, a router with `qstash()` needs a public URL (`url` or
   * WEBHOOK_PUBLIC_URL), and `memoryStore()` warns. Wins over NODE_ENV; the h3 adapter sets it in
   * a Nitro production build. Default: `NODE_ENV === 'production'`.
   */
  production?: boolean
  /**
   * This endpoint's absolute public URL, as senders address it (QStash signs it as `sub`).
   * Default: `WEBHOOK_PUBLIC_URL`, else — outside production only — the request URL as the adapter
   * rebuilt it (forwarded headers only where the adapter trusts the proxy). In production (the
   * `production` option) a router with `qstash()` needs one of the two. `false` turns the check off: unsafe, since a
   * token QStash issued for another endpoint of your account then verifies here.
   */
  url?: string | false
  /** Largest body accepted, in bytes (1 to 104 857 600); reading stops past it (413). Default: 1 048 576 (1 MiB). */
  maxBodyBytes?: number
  /** Called for a verified event with no handler, before the 200 `ignored` answer. Default: none. */
  onUnknownEvent?: (event: WebhookEvent, context: HandlerContext) => void | Promise<void>
  /** Called when a handler throws or the store fails (after the claim is released). Default: none. */
  onError?: (error: unknown, context: ErrorContext) => void
  /**
   * Called once per request, after its answer is made, with a `DeliveryReport` (outcome, reason,
   * sender, type, delivery ID, attempt, duration; never the body or a secret): for audit logs,
   * metrics and live views. A throwing (or rejecting) observer is logged and the answer stands.
   * Default: none (and no cost).
   */
  onDelivery?: DeliveryObserver
  /** Where warnings and errors go. Default: `console`. */
  logger?: Logger
  /**
   * A handler key no configured sender emits (a typo such as `onUploadCompleted`), or a handled type
   * one configured sender declares while another may send it too, throws a WebhookConfigError
   * instead of logging a warning that names the closest known type or both senders. Default: false.
   */
  strictHandlers?: boolean
  /**
   * Answer fast, process later: hand each delivery of a deferred type to a durable engine
   * (`deferToBullMQ`, `deferToQStash`, `deferToCloudflareQueue`) and answer 202 `accepted` once
   * the engine acknowledged it; `createWorker` runs the handler. Default: none (handlers run inline).
   */
  defer?: DeferEngine
  /** The handled types `defer` takes; the others run inline. Each must have a handler. Default: every handled type. */
  deferTypes?: readonly string[]
  /**
   * How long the ingress waits for the engine's acknowledgement before it releases the claim and
   * answers 503 `enqueue_failed`, in milliseconds (100 to 25 000): well inside the sender's answer
   * window. Default: 10 000.
   */
  enqueueTimeoutMs?: number
  /**
   * The sender's answer window, in seconds (1 to 3600): an inline handler still running at 80 % of
   * it logs a warning naming `defer`. Default: 30 (QStash and UploadKit).
   */
  answerBudgetSeconds?: number
}

/** The options, checked and defaulted. */
export interface RouterSettings {
  verifiers: readonly Verifier[]
  handlers: WebhookHandlers
  store: DedupeStore
  logger: Logger
  maxBodyBytes: number
  /** Each verifier's key namespaces, joined once here so a delivery's keys are two-part joins. */
  keySpaces: ReadonlyMap<Verifier, KeySpace>
  lockSeconds: number
  ttlSeconds: number
  failOpen: boolean
  /**
   * The URL a signature bound to a destination must name, decided once by the URL policy: the
   * configured URL, `false` for no check (`url: false`), or undefined for the request's own URL,
   * which the policy allows only outside production.
   */
  publicUrl: string | false | undefined
  onUnknownEvent: WebhookRouterOptions['onUnknownEvent']
  onDelivery: DeliveryObserver | undefined
  /** The engine and the types it takes, when `defer` is set. */
  deferral: Deferral | undefined
  answerBudgetMs: number
  /** onError, shielded: a throwing hook is logged, never breaks the answer. */
  reportError(error: unknown, context: ErrorContext): void
}

const OWNER = 'createWebhookRouter()'

function verifiersOf(verify: WebhookRouterOptions['verify'] | undefined): readonly Verifier[] {
  const list: readonly Verifier[] = Array.isArray(verify) ? verify : verify ? [verify as Verifier] : []
  if (list.length === 0) throw new WebhookConfigError(`${OWNER}: \`verify\` is required, e.g. verify: qstash() or [qstash(), uploadcare()]`)
  for (const verifier of list) {
    if (typeof verifier?.verify !== 'function' || typeof verifier.matches !== 'function' || typeof verifier.name !== 'string') {
      throw new WebhookConfigError(
        `${OWNER}: every \`verify\` entry must be a verifier such as qstash() (did you pass qstash instead of qstash()?)`,
      )
    }
  }
  return list
}

/** The `production` option, else NODE_ENV's verdict. */
function productionOf(value: unknown): boolean {
  if (value === undefined) return isProduction()
  if (typeof value !== 'boolean')
    throw new WebhookConfigError(`${OWNER}: \`production\` must be true or false, got ${JSON.stringify(value)}`)
  return value
}

/** In production no verifier may hold a published development key: anyone can sign with those. */
function refuseDevKeys(verifiers: readonly Verifier[]): void {
  const found = verifiers.flatMap((v) => (v.devKeySources ?? []).map((source) => `${source} (${v.name}())`))
  if (found.length === 0) return
  throw new WebhookConfigError(
    `${OWNER}: this router runs in production (the \`production\` option, or NODE_ENV=production), and ${found.join(', ')} ` +
      `${found.length === 1 ? 'is a published development key' : 'are published development keys'} from @upload-webhooks/core/testing: ` +
      "anyone can sign deliveries with them. Set each to the real key from the sender's dashboard.",
  )
}

/** The URL policy (docs/architecture.md, "Public URL"): option, else env, else the request URL outside production. */
function publicUrlPolicy(
  url: WebhookRouterOptions['url'],
  verifiers: readonly Verifier[],
  production: boolean,
): RouterSettings['publicUrl'] {
  if (url === false) return false
  const fromEnv = url === undefined ? readEnv('WEBHOOK_PUBLIC_URL') : undefined
  const fixed =
    url !== undefined
      ? checkPublicUrl(OWNER, 'url', url)
      : fromEnv !== undefined
        ? checkPublicUrl(OWNER, 'WEBHOOK_PUBLIC_URL', fromEnv)
        : undefined
  if (fixed !== undefined) return fixed
  const needing = verifiers.filter((v) => v.needsPublicUrl).map((v) => `${v.name}()`)
  if (needing.length > 0 && production) {
    throw new WebhookConfigError(
      `${OWNER}: ${needing.join(', ')} checks the URL each delivery was signed for, and in production the request's ` +
        "Host header cannot be trusted to say it. Set WEBHOOK_PUBLIC_URL (or the `url` option) to this endpoint's public URL, " +
        'e.g. https://your.app/api/webhooks/upload.',
    )
  }
  return undefined
}

function deferralOf(options: WebhookRouterOptions, handlers: WebhookHandlers): Deferral | undefined {
  const { defer: engine, deferTypes } = options
  if (engine === undefined) {
    if (deferTypes !== undefined) throw new WebhookConfigError(`${OWNER}: \`deferTypes\` needs \`defer\`, e.g. defer: deferToBullMQ(queue)`)
    return undefined
  }
  if (typeof engine?.enqueue !== 'function' || typeof engine.name !== 'string') {
    throw new WebhookConfigError(
      `${OWNER}: \`defer\` must be an engine such as deferToBullMQ(queue), deferToQStash({ url }) or deferToCloudflareQueue(env.QUEUE)`,
    )
  }
  const handled = Object.keys(handlers).filter((type) => typeof handlers[type] === 'function')
  if (deferTypes !== undefined && !Array.isArray(deferTypes))
    throw new WebhookConfigError(`${OWNER}: \`deferTypes\` must be an array of handled event types`)
  const unhandled = (deferTypes ?? []).filter((type) => !handled.includes(type))
  if (unhandled.length > 0) {
    throw new WebhookConfigError(
      `${OWNER}: \`deferTypes\` lists ${unhandled.map((t) => JSON.stringify(t)).join(', ')} with no handler: add each to \`handlers\` (createWorker runs it) or drop it`,
    )
  }
  const timeoutMs = numberOption(OWNER, 'enqueueTimeoutMs', options.enqueueTimeoutMs, 10_000, { min: 100, max: 25_000 })
  return { engine, types: new Set(deferTypes ?? handled), timeoutMs }
}

function keyPrefixOf(value: string | undefined): string {
  if (value === undefined) return 'upload-webhooks'
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(value)) {
    throw new WebhookConfigError(
      `${OWNER}: \`dedupe.keyPrefix\` must be 1 to 64 printable characters without spaces, got ${JSON.stringify(value)}`,
    )
  }
  return value
}

export function resolveSettings(options: WebhookRouterOptions): RouterSettings {
  const handlers = options.handlers as WebhookHandlers
  const verifiers = verifiersOf(options?.verify)
  if (!options.handlers || typeof options.handlers !== 'object') {
    throw new WebhookConfigError(`${OWNER}: \`handlers\` is required, e.g. handlers: { onUploadComplete: async (event) => {} }`)
  }
  if (options.onStoreError !== undefined && options.onStoreError !== 'reject' && options.onStoreError !== 'process') {
    throw new WebhookConfigError(`${OWNER}: \`onStoreError\` must be 'reject' or 'process', got ${JSON.stringify(options.onStoreError)}`)
  }
  for (const hook of ['onDelivery', 'onUnknownEvent', 'onError'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new WebhookConfigError(`${OWNER}: \`${hook}\` must be a function or left out, got ${typeof options[hook]}`)
    }
  }
  const production = productionOf(options.production)
  if (production) refuseDevKeys(verifiers)
  const logger: Logger = options.logger ?? console
  checkHandlerKeys(handlers, verifiers, logger, options.strictHandlers === true)
  checkSharedTypes(handlers, verifiers, logger, options.strictHandlers === true)
  const store = options.store ?? storeFromEnv(logger)
  store.useLogger?.(logger, { production })
  return {
    verifiers,
    handlers,
    store,
    logger,
    maxBodyBytes: numberOption(OWNER, 'maxBodyBytes', options.maxBodyBytes, 1024 * 1024, { min: 1, max: 100 * 1024 * 1024, integer: true }),
    keySpaces: keySpacesOf(keyPrefixOf(options.dedupe?.keyPrefix), verifiers),
    lockSeconds: numberOption(OWNER, 'dedupe.lockSeconds', options.dedupe?.lockSeconds, 30, { min: 1, max: 86_400, integer: true }),
    ttlSeconds: numberOption(OWNER, 'dedupe.ttlSeconds', options.dedupe?.ttlSeconds, 74 * 3600, { min: 1, max: 31_536_000, integer: true }),
    failOpen: options.onStoreError === 'process',
    publicUrl: publicUrlPolicy(options.url, verifiers, production),
    onUnknownEvent: options.onUnknownEvent,
    onDelivery: options.onDelivery,
    deferral: deferralOf(options, handlers),
    answerBudgetMs: numberOption(OWNER, 'answerBudgetSeconds', options.answerBudgetSeconds, 30, { min: 1, max: 3600 }) * 1000,
    reportError(error, context) {
      try {
        options.onError?.(error, context)
      } catch (hookError) {
        logger.error('[upload-webhooks] onError threw', { error: hookError })
      }
    },
  }
}
