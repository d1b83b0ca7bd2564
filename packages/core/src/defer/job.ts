// What the ingress hands a durable engine (docs/architecture.md, "Answer fast, process later"):
// one JSON job per verified delivery, and the engine-side dedupe ID that names it.
import { toBase64, utf8 } from '../runtime.js'
import type { WebhookEvent } from '../senders/registry.js'

/** The job an engine carries from the ingress to the worker. JSON; `v` changes only with its shape. */
export interface DeferredJob<E extends WebhookEvent = WebhookEvent> {
  v: 1
  /** The original sender's delivery ID: the worker's exactly-once key. */
  deliveryId: string
  /** The verifier's name (`qstash`, `sonuslab`, …). */
  sender: string
  type: string
  event: E
  /** When the ingress accepted it, ISO 8601. */
  receivedAt: string
}

/** What an engine adapter is given for one job. */
export interface EnqueueRequest {
  job: DeferredJob
  /**
   * Stable for a (sender, delivery ID) pair, with no `:` and never an integer: BullMQ's `jobId`,
   * QStash's `Upstash-Deduplication-Id`, a field of a Cloudflare message. An optimisation only:
   * engines forget it after a while, so the ingress's own record is the guarantee.
   */
  dedupeId: string
  /** Aborted when the ingress stops waiting (`enqueueTimeoutMs`). */
  signal: AbortSignal
}

/** A durable engine the router hands deliveries to. Implemented by `deferToBullMQ`, `deferToQStash`, `deferToCloudflareQueue`. */
export interface DeferEngine {
  /** For logs: `bullmq`, `qstash`, `cloudflare-queues`. */
  readonly name: string
  /** Resolves once the engine durably holds the job (its acknowledgement), rejects otherwise. */
  enqueue(request: EnqueueRequest): Promise<void>
}

/** `uw1_` + base64url of `<sender>\n<deliveryId>`: stable, reversible, `:`-free, never a number. */
export const jobDedupeId = (sender: string, deliveryId: string): string => `uw1_${toBase64(utf8(`${sender}\n${deliveryId}`), true)}`

/**
 * `work`, or a rejection as soon as `signal` aborts: an engine stops waiting when the ingress does.
 * A failure after that has no one to tell, so it is caught here rather than left unhandled.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {})
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(signal.reason ?? new Error('the ingress stopped waiting for the engine'))
    if (signal.aborted) fail()
    else signal.addEventListener('abort', fail, { once: true })
  })
  return Promise.race([work, aborted])
}
