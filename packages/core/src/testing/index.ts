// `@upload-webhooks/core/testing`: sign deliveries in your own tests exactly as each sender does.
import { hmacSha256, importHmacKey, sha256 } from '#crypto'
import { fromBase64, toBase64, toHex, utf8 } from '../encoding.js'
import { nowSeconds, readEnv } from '../env.js'

/**
 * Well-known development keys, used by the examples and `pnpm demo` when no real keys are
 * set. Public by design: never configure them in production.
 */
export const devSigningKeys = {
  currentSigningKey: 'sig_dev_upload_webhooks_current_DO_NOT_USE_IN_PRODUCTION',
  nextSigningKey: 'sig_dev_upload_webhooks_next_DO_NOT_USE_IN_PRODUCTION',
} as const

/** Development secret for the HMAC senders (Sonuslab, Uploadcare); public by design. */
export const devSecret = 'dev_upload_webhooks_secret_DO_NOT_USE_IN_PRODUCTION'
/** Development Standard Webhooks secret; public by design. */
export const devStandardWebhooksSecret = 'whsec_ZGV2X3VwbG9hZF93ZWJob29rc19zZWNyZXRfMzJieXRlcyE='

type Body = string | Uint8Array
const bytesOf = (body: Body) => (typeof body === 'string' ? utf8(body) : body)
const randomId = (prefix: string) => `${prefix}${crypto.randomUUID().replace(/-/g, '')}`
const jsonSegment = (value: unknown) => toBase64(utf8(JSON.stringify(value)), true)

export interface SignQStashOptions {
  body: Body
  /** Destination URL, the `sub` claim. */
  url: string
  /** Key to sign with. Default: `QSTASH_CURRENT_SIGNING_KEY`, else `devSigningKeys.currentSigningKey`. */
  signingKey?: string
  /** Default: a fresh `msg_...` ID. */
  messageId?: string
  /** `Upstash-Retried`. Default: 0. */
  retried?: number
  /** Signing time, unix seconds. Default: now. */
  now?: number
  /** Token lifetime. Default: 300 (as QStash). */
  expiresInSeconds?: number
}

/** Headers QStash sends with a delivery: `Upstash-Signature` (HS256 JWT), message ID, retry count. */
export async function signQStash(options: SignQStashOptions): Promise<Record<string, string>> {
  const key = options.signingKey ?? readEnv('QSTASH_CURRENT_SIGNING_KEY') ?? devSigningKeys.currentSigningKey
  const now = options.now ?? nowSeconds()
  const bodyHash = toBase64(await sha256(bytesOf(options.body)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
  const claims = {
    iss: 'Upstash',
    sub: options.url,
    exp: now + (options.expiresInSeconds ?? 300),
    nbf: now,
    iat: now,
    jti: randomId('jwt_'),
    body: bodyHash,
  }
  const signingInput = `${jsonSegment({ alg: 'HS256', typ: 'JWT' })}.${jsonSegment(claims)}`
  const signature = toBase64(await hmacSha256(importHmacKey(utf8(key)), signingInput), true)
  return {
    'upstash-signature': `${signingInput}.${signature}`,
    'upstash-message-id': options.messageId ?? randomId('msg_'),
    'upstash-retried': String(options.retried ?? 0),
  }
}

export interface SignTimestampedHmacOptions {
  body: Body
  secret: string
  /** Default: now. */
  timestamp?: number
}

/** The `t=<unix>,v1=<hex>` header value a Stripe-style sender writes. */
export async function signTimestampedHmac(options: SignTimestampedHmacOptions): Promise<string> {
  const t = options.timestamp ?? nowSeconds()
  return `t=${t},v1=${toHex(await hmacSha256(importHmacKey(utf8(options.secret)), `${t}.`, bytesOf(options.body)))}`
}

/** The `X-Uc-Signature` header value Uploadcare writes: `v1=<hex>`. */
export async function signUploadcare(options: { body: Body; secret: string }): Promise<string> {
  return `v1=${toHex(await hmacSha256(importHmacKey(utf8(options.secret)), '', bytesOf(options.body)))}`
}

export interface SignStandardWebhooksOptions {
  body: Body
  /** `whsec_<base64>`. */
  secret: string
  /** `webhook-id`. */
  id: string
  /** Default: now. */
  timestamp?: number
}

/** The three Standard Webhooks headers: `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
export async function signStandardWebhooks(options: SignStandardWebhooksOptions): Promise<Record<string, string>> {
  const timestamp = options.timestamp ?? nowSeconds()
  const key = fromBase64(options.secret.startsWith('whsec_') ? options.secret.slice(6) : options.secret)
  if (!key) throw new Error('signStandardWebhooks(): secret is not whsec_<base64>')
  const mac = await hmacSha256(importHmacKey(key), `${options.id}.${timestamp}.`, bytesOf(options.body))
  return { 'webhook-id': options.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${toBase64(mac)}` }
}

export type TestSender = 'qstash' | 'sonuslab' | 'uploadcare' | 'standard-webhooks'

export interface TestDeliveryOptions {
  /** Which sender to imitate. */
  verifier: TestSender
  /** The JSON body (an object is serialised) or exact body text. */
  event: unknown
  /** Request URL (and QStash `sub`). Default: `http://localhost/api/webhooks/upload`. */
  url?: string
  /** Secret or signing key. Default: the dev key or secret for that sender. */
  secret?: string
  /** Delivery ID (QStash message ID, `X-Sonuslab-Delivery`, `webhook-id`). Default: a fresh one. */
  deliveryId?: string
  /** Extra or overriding headers. */
  headers?: Record<string, string>
}

/** A signed `Request`, ready for `router.handle()` or `fetch()`. */
export async function createTestDelivery(options: TestDeliveryOptions): Promise<Request> {
  const url = options.url ?? 'http://localhost/api/webhooks/upload'
  const body = typeof options.event === 'string' ? options.event : JSON.stringify(options.event)
  const deliveryId = options.deliveryId ?? randomId('dlv_')
  let signed: Record<string, string>
  switch (options.verifier) {
    case 'qstash':
      signed = await signQStash({ body, url, messageId: deliveryId, ...(options.secret ? { signingKey: options.secret } : {}) })
      break
    case 'sonuslab':
      signed = {
        'x-sonuslab-signature': await signTimestampedHmac({ body, secret: options.secret ?? devSecret }),
        'x-sonuslab-delivery': deliveryId,
      }
      break
    case 'uploadcare':
      signed = { 'x-uc-signature': await signUploadcare({ body, secret: options.secret ?? devSecret }) }
      break
    case 'standard-webhooks':
      signed = await signStandardWebhooks({ body, secret: options.secret ?? devStandardWebhooksSecret, id: deliveryId })
      break
  }
  return new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signed, ...options.headers }, body })
}
