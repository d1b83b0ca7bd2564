// `@upload-webhooks/core/testing`: sign deliveries in your own tests exactly as each sender does.
// Every signer lives in its sender's module; this entry re-exports them (and the registry, also
// `/senders`) and builds requests.
import { randomId } from '../runtime.js'
import { type SenderId, senderById } from '../senders/registry.js'
import type { Logger } from '../types.js'

export { type SignCloudinaryOptions, signCloudinary } from '../senders/cloudinary.js'
export { devSecret, devSigningKeys, devStandardWebhooksSecret } from '../senders/dev-keys.js'
export { type SignQStashOptions, signQStash } from '../senders/qstash.js'
export { type SenderId, senderById, senders } from '../senders/registry.js'
export { type SignTimestampedHmacOptions, signTimestampedHmac } from '../senders/sonuslab.js'
export { type SignStandardWebhooksOptions, signStandardWebhooks } from '../senders/standard-webhooks.js'
export type { SenderModule, SignInput } from '../senders/types.js'
export { signUploadcare } from '../senders/uploadcare.js'

/** A logger that drops everything: for tests whose refusals and warnings are expected. */
export const silentLogger: Logger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} })

/** A sender `createTestDelivery` can imitate: every registry key. */
export type TestSender = SenderId

export interface TestDeliveryOptions {
  /** Which sender to imitate. */
  verifier: TestSender
  /** The JSON body (an object is serialised) or exact body text. */
  event: unknown
  /** Request URL (and QStash `sub`). Default: `http://localhost/api/webhooks/upload`. */
  url?: string
  /** Secret or signing key. Default: the sender's env variable, else its dev key or secret. */
  secret?: string
  /** Delivery ID (QStash message ID, `X-Sonuslab-Delivery`, `webhook-id`). Default: a fresh one. */
  deliveryId?: string
  /** Extra or overriding headers. */
  headers?: Record<string, string>
}

/** A signed `Request`, ready for `router.handle()` or `fetch()`. */
export async function createTestDelivery(options: TestDeliveryOptions): Promise<Request> {
  const sender = senderById(options.verifier)
  if (!sender) throw new Error(`createTestDelivery(): unknown sender ${JSON.stringify(options.verifier)}`)
  const url = options.url ?? 'http://localhost/api/webhooks/upload'
  const body = typeof options.event === 'string' ? options.event : JSON.stringify(options.event)
  const signed = await sender.sign({
    body,
    url,
    deliveryId: options.deliveryId ?? randomId('dlv_'),
    ...(options.secret ? { secret: options.secret } : {}),
  })
  return new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signed, ...options.headers }, body })
}
