// The load generator's deliveries: every request is a new QStash delivery, signed when it is
// sent. Core refuses a signature reused under another message ID (the JWT's `jti` is a replay
// nonce), so a pool of pre-signed bodies rotated with fresh message IDs would measure 401s.
// Signing is synchronous (autocannon's setupRequest cannot await) and cheap: the body's SHA-256
// is computed once per pooled body, so a request costs one HMAC over the ~350-byte JWT signing
// input, which keeps the generator well ahead of any server it loads.
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto'
import { devSigningKeys } from '@upload-webhooks/core/testing'
import { uploadBody } from './payload.js'

/** One request's body and headers (content type, `Upstash-Signature`, message ID, retry count). */
export interface Delivery {
  body: string
  headers: Record<string, string>
}

/** Makes the next delivery: a fresh `jti` and message ID every call. */
export type NextDelivery = () => Delivery

/** Bodies rotated through; they differ the way real deliveries do (file IDs), and are hashed once. */
const BODY_POOL_SIZE = 256
/** Long enough that no token of a run expires, short enough to be a plausible QStash token. */
const TOKEN_LIFETIME_SECONDS = 3600

const base64Url = (text: string) => Buffer.from(text).toString('base64url')
const JWT_HEADER = base64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))

let pool: { body: string; hash: string }[] | undefined
function bodies() {
  pool ??= Array.from({ length: BODY_POOL_SIZE }, (_, i) => {
    const body = uploadBody(i)
    return { body, hash: createHash('sha256').update(body).digest('base64url') }
  })
  return pool
}

/**
 * Deliveries for `url` (the JWT's `sub`), signed as QStash signs them (the same claims as
 * `signQStash` from `@upload-webhooks/core/testing`), with message IDs `<idPrefix><n>`.
 */
export function signedDeliveries(url: string, idPrefix: string, signingKey: string = devSigningKeys.currentSigningKey): NextDelivery {
  const key: KeyObject = createSecretKey(Buffer.from(signingKey))
  const all = bodies()
  let n = 0
  return () => {
    const { body, hash } = all[n % all.length]!
    const now = Math.floor(Date.now() / 1000)
    const id = `${idPrefix}${n++}`
    const claims = `{"iss":"Upstash","sub":${JSON.stringify(url)},"exp":${now + TOKEN_LIFETIME_SECONDS},"nbf":${now},"iat":${now},"jti":"jwt_${id}","body":"${hash}"}`
    const signingInput = `${JWT_HEADER}.${base64Url(claims)}`
    const signature = createHmac('sha256', key).update(signingInput).digest('base64url')
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'upstash-signature': `${signingInput}.${signature}`,
        'upstash-message-id': id,
        'upstash-retried': '0',
      },
    }
  }
}
