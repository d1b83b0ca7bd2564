import { base64UrlText, type HmacKey, hmacSha256, importHmacKey, sha256, timingSafeEqual } from '#crypto'
import { fromBase64, utf8 } from '../encoding.js'
import { nowSeconds, readEnv } from '../env.js'
import { VerificationError, WebhookConfigError } from '../errors.js'
import { decodeQStashEvent } from '../events/decode.js'
import { getHeader } from '../headers.js'
import type { VerifiedDelivery, Verifier, VerifyInput } from '../types.js'

export interface QStashVerifierOptions {
  /** Current signing key (QStash console → Signing keys). Default: `process.env.QSTASH_CURRENT_SIGNING_KEY`. */
  currentSigningKey?: string
  /** Next signing key, tried when the current one fails (key rotation). Default: `process.env.QSTASH_NEXT_SIGNING_KEY`. */
  nextSigningKey?: string
  /**
   * URL the token's `sub` claim must equal: the destination QStash delivered to.
   * Default: the request's URL as the adapter reconstructed it (a bare path skips the check);
   * `false` never checks it.
   */
  url?: string | false
  /** Seconds of clock skew allowed on `exp` and `nbf`. Default: 10. */
  clockToleranceSeconds?: number
}

interface JwtHeader {
  alg?: unknown
  typ?: unknown
}

interface JwtClaims {
  iss?: unknown
  sub?: unknown
  exp?: unknown
  nbf?: unknown
  iat?: unknown
  body?: unknown
}

/** `{"alg":"HS256","typ":"JWT"}`, the header QStash always sends: recognised without decoding it. */
const QSTASH_JWT_HEADER = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'

const reject = (reason: ConstructorParameters<typeof VerificationError>[0], message: string) => new VerificationError(reason, message)

function decodeJson<T>(segment: string): T | undefined {
  const text = base64UrlText(segment)
  if (text === undefined) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' ? (value as T) : undefined
  } catch {
    return undefined
  }
}

/** Equal as strings, or once both are normalised as URLs (host case, default port). */
function sameUrl(a: string, b: string): boolean {
  if (a === b) return true
  try {
    return new URL(a).href === new URL(b).href
  } catch {
    return false
  }
}

/**
 * Verifies deliveries made through Upstash QStash (UploadKit and any QStash publisher):
 * the `Upstash-Signature` HS256 JWT, its issuer, expiry, destination URL and body hash,
 * trying the current signing key and then the next one.
 */
export function qstash(options: QStashVerifierOptions = {}): Verifier {
  const current = options.currentSigningKey ?? readEnv('QSTASH_CURRENT_SIGNING_KEY')
  const next = options.nextSigningKey ?? readEnv('QSTASH_NEXT_SIGNING_KEY')
  if (!current || !next) {
    const missing = [!current && 'QSTASH_CURRENT_SIGNING_KEY', !next && 'QSTASH_NEXT_SIGNING_KEY'].filter(Boolean).join(' and ')
    throw new WebhookConfigError(
      `qstash(): ${missing} is not set. Copy both signing keys from the QStash console (or \`pulumi stack output\` in infra/) ` +
        'into the environment, or pass { currentSigningKey, nextSigningKey }.',
    )
  }
  const keys: HmacKey[] = [importHmacKey(utf8(current)), importHmacKey(utf8(next))]
  const tolerance = options.clockToleranceSeconds ?? 10
  const fixedUrl = options.url

  async function verify({ url, headers, body }: VerifyInput): Promise<VerifiedDelivery> {
    const token = getHeader(headers, 'upstash-signature')
    if (!token) throw reject('missing_signature', 'Upstash-Signature header is missing')
    const firstDot = token.indexOf('.')
    const lastDot = token.lastIndexOf('.')
    if (firstDot <= 0 || lastDot === firstDot || token.indexOf('.', firstDot + 1) !== lastDot) {
      throw reject('malformed_signature', 'Upstash-Signature is not a JWT')
    }
    // Only HS256: refuses `alg: none` and algorithm-confusion tokens before any key is used.
    const headerSegment = token.slice(0, firstDot)
    if (headerSegment !== QSTASH_JWT_HEADER) {
      const header = decodeJson<JwtHeader>(headerSegment)
      if (header?.alg !== 'HS256' || (header.typ !== undefined && header.typ !== 'JWT')) {
        throw reject('malformed_signature', 'Upstash-Signature must be an HS256 JWT')
      }
    }
    const signature = fromBase64(token.slice(lastDot + 1))
    if (signature?.length !== 32) throw reject('malformed_signature', 'Upstash-Signature has a malformed signature part')

    const signingInput = token.slice(0, lastDot)
    let valid = false
    for (const key of keys) {
      // node:crypto answers synchronously; awaiting only Web Crypto's promises saves a tick per call.
      const mac = hmacSha256(key, signingInput)
      if (timingSafeEqual(mac instanceof Uint8Array ? mac : await mac, signature)) {
        valid = true
        break
      }
    }
    if (!valid) throw reject('invalid_signature', 'Upstash-Signature does not match the current or next signing key')

    const claims = decodeJson<JwtClaims>(token.slice(firstDot + 1, lastDot))
    if (!claims) throw reject('malformed_signature', 'Upstash-Signature claims are not JSON')
    if (claims.iss !== 'Upstash') throw reject('wrong_issuer', 'Upstash-Signature was not issued by Upstash')
    const now = nowSeconds()
    if (typeof claims.exp !== 'number' || now > claims.exp + tolerance) throw reject('signature_expired', 'Upstash-Signature has expired')
    if (typeof claims.nbf === 'number' && now + tolerance < claims.nbf) {
      throw reject('signature_not_yet_valid', "Upstash-Signature is not valid yet (check this server's clock)")
    }
    const expectedUrl = fixedUrl === undefined ? (/^https?:\/\//i.test(url) ? url : undefined) : fixedUrl || undefined
    if (expectedUrl !== undefined && (typeof claims.sub !== 'string' || !sameUrl(claims.sub, expectedUrl))) {
      throw reject('wrong_url', 'Upstash-Signature was issued for another URL (behind a proxy? set the `url` option or trust proxy)')
    }
    const claimedHash = typeof claims.body === 'string' ? fromBase64(claims.body) : undefined
    const bodyHash = sha256(body.bytes)
    if (!claimedHash || !timingSafeEqual(bodyHash instanceof Uint8Array ? bodyHash : await bodyHash, claimedHash)) {
      throw reject('body_hash_mismatch', 'the body does not match the hash signed in Upstash-Signature')
    }

    const deliveryId = getHeader(headers, 'upstash-message-id')
    if (!deliveryId) throw new VerificationError('missing_delivery_id', 'Upstash-Message-Id header is missing', 400)
    const retried = Number(getHeader(headers, 'upstash-retried') ?? 0)
    return {
      deliveryId,
      attempt: Number.isInteger(retried) && retried >= 0 ? retried : 0,
      ...(typeof claims.iat === 'number' ? { timestamp: claims.iat } : {}),
    }
  }

  return {
    name: 'qstash',
    matches: (headers) => getHeader(headers, 'upstash-signature') !== undefined,
    verify,
    toEvent: decodeQStashEvent,
    nonRetryableStatus: 489,
    nonRetryableHeaders: { 'upstash-nonretryable-error': 'true' },
  }
}
