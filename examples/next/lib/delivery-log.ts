// The live delivery log behind the home page: the router's onDelivery reports, the last 100 kept
// in process memory (on globalThis, so every route bundle of a framework sees the same log), one
// terminal line each, and a server-sent event stream that pushes every change to open pages.
// The same file sits in every example (test/e2e checks the copies stay identical).
import type { DeliveryReport, RejectionReason } from '@upload-webhooks/core'
import { listReceived, type ReceivedUpload } from './received.js'

/** A report as the page shows it: with a one-line explanation of a refusal. */
export type LoggedDelivery = DeliveryReport & { explanation?: string }

/** What the page renders: newest first. */
export interface DeliveryLog {
  deliveries: LoggedDelivery[]
  uploads: ReceivedUpload[]
}

/** Oldest reports are dropped past this many. */
const LIMIT = 100
/** Keeps idle streams open through proxies that close silent connections. */
const HEARTBEAT_MS = 15_000

const EXPLANATIONS: Record<RejectionReason, string> = {
  method_not_allowed: 'only POST delivers a webhook',
  payload_too_large: 'the body is larger than the router accepts',
  unsupported_media_type: 'the body is not JSON',
  raw_body_unavailable: 'something read the body before the router could verify it',
  missing_signature: 'no signature header: not from a configured sender',
  malformed_signature: 'the signature header cannot be parsed',
  invalid_signature: 'signed with another key, or not signed by the sender',
  signature_expired: 'the signature is too old: a captured delivery sent again later',
  signature_not_yet_valid: "the signature is dated in the future: check the sender's clock",
  wrong_issuer: 'signed by another issuer than the one configured',
  wrong_url: 'signed for another URL: set WEBHOOK_PUBLIC_URL to the URL the sender posts to',
  body_hash_mismatch: 'the body changed after it was signed (tampered with)',
  replayed_signature: 'a signature already used by another delivery (a replay)',
  missing_delivery_id: 'authentic, but without a delivery ID to deduplicate on',
  invalid_delivery_id: 'authentic, but the delivery ID is too long or not printable',
  malformed_json: 'authentic, but the body is not valid JSON',
  missing_event_type: 'authentic, but the body names no event type',
  sender_not_allowed: 'authentic, but this event type belongs to another configured sender',
  in_flight: 'the same delivery is still being handled: the sender retries later',
  delivery_conflict: 'this delivery ID already arrived with a different body',
  handler_failed: 'the handler threw: the sender retries',
  non_retryable: 'the handler refused it for good: the sender does not retry',
  store_unavailable: 'the dedupe store is unreachable: the sender retries',
  enqueue_failed: 'the queue did not take the delivery in time: the sender retries',
}

interface State {
  deliveries: LoggedDelivery[]
  listeners: Set<() => void>
}
const KEY = Symbol.for('upload-webhooks.example.delivery-log')
const registry = globalThis as Record<symbol, unknown>
registry[KEY] ??= { deliveries: [], listeners: new Set() }
const state = registry[KEY] as State

function logLine(report: LoggedDelivery): void {
  const who = [report.sender, report.type, report.deliveryId, report.attempt ? `attempt ${report.attempt}` : undefined]
  const what = report.reason ? `${report.outcome} ${report.reason}: ${report.explanation}` : report.outcome
  const line = `[delivery] ${report.status} ${what} · ${who.filter(Boolean).join(' ') || 'sender unknown'} · ${report.durationMs} ms`
  if (report.outcome === 'error') console.error(line)
  else if (report.outcome === 'rejected') console.warn(line)
  else console.info(line)
}

/** Keeps a report for the page and tells open pages, without a terminal line. */
export function keepDelivery(report: DeliveryReport): LoggedDelivery {
  const logged: LoggedDelivery = report.reason ? { ...report, explanation: EXPLANATIONS[report.reason] } : report
  state.deliveries.unshift(logged)
  if (state.deliveries.length > LIMIT) state.deliveries.pop()
  for (const listener of state.listeners) listener()
  return logged
}

/** The router's `onDelivery`: one terminal line (rejections at warn), kept for the page. */
export function recordDelivery(report: DeliveryReport): void {
  logLine(keepDelivery(report))
}

export const readDeliveryLog = (): DeliveryLog => ({
  deliveries: [...state.deliveries],
  uploads: [...listReceived().uploads].reverse(),
})

/** Response headers of the event stream: never cached, never buffered by a proxy. */
export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
}

/** Server-sent events: the whole log on connect and after each delivery (it is small), pings between. */
export function deliveryLogStream(): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let stop = () => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text))
        } catch {
          stop() // the page went away
        }
      }
      const push = () => write(`data: ${JSON.stringify(readDeliveryLog())}\n\n`)
      const ping = setInterval(() => write(': ping\n\n'), HEARTBEAT_MS)
      stop = () => {
        clearInterval(ping)
        state.listeners.delete(push)
      }
      state.listeners.add(push)
      push()
    },
    cancel() {
      stop()
    },
  })
}
