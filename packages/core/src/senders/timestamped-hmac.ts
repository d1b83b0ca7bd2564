import { type HmacKey, hmacSha256, importHmacKey, timingSafeEqual } from '#crypto'
import { fromHex, utf8 } from '../encoding.js'
import { nowSeconds, readEnv } from '../env.js'
import { VerificationError } from '../errors.js'
import { getHeader } from '../headers.js'
import type { VerifiedDelivery, Verifier, VerifyInput } from '../types.js'
import { secretList } from './secrets.js'

export interface TimestampedHmacOptions {
  /** Verifier name, part of the dedupe key. Default: `'hmac'`. */
  name?: string
  /** Signing secret. One of `secret` or `secrets` is required. */
  secret?: string
  /** Several secrets during a rotation; a signature from any of them verifies. */
  secrets?: readonly string[]
  /** Header carrying `t=<unix>,v1=<hex>[,v1=<hex>...]`, any case. Required. */
  signatureHeader: string
  /** Header carrying the delivery ID, stable across retries. Required. */
  deliveryHeader: string
  /** Largest accepted distance between `t` and now, either way, in seconds. Default: 300. */
  toleranceSeconds?: number
}

/** Splits `t=...,v1=...,v1=...`; undefined when `t` is not one integer or no `v1` is present. */
function parseSignatureHeader(value: string): { timestamp: number; signatures: Uint8Array[] } | undefined {
  let timestamp: number | undefined
  const signatures: Uint8Array[] = []
  for (const part of value.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const key = part.slice(0, eq).trim()
    const val = part.slice(eq + 1).trim()
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(val)) return undefined
      timestamp = Number(val)
    } else if (key === 'v1') {
      const bytes = fromHex(val)
      if (bytes?.length === 32) signatures.push(bytes)
    }
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures }
}

/**
 * Verifies Stripe-style signatures: `t=<unix>,v1=<hex>` where v1 is HMAC-SHA256 over
 * `${t}.${rawBody}`. Every listed `v1` is tried against every secret; `t` must be within
 * `toleranceSeconds` of now in either direction (replays and future stamps are refused).
 */
export function timestampedHmac(options: TimestampedHmacOptions): Verifier {
  const name = options.name ?? 'hmac'
  const keys: HmacKey[] = secretList(name, options, "the sender's webhook signing secret").map((s) => importHmacKey(utf8(s)))
  const signatureHeader = options.signatureHeader.toLowerCase()
  const deliveryHeader = options.deliveryHeader.toLowerCase()
  const tolerance = options.toleranceSeconds ?? 300

  async function verify({ headers, body }: VerifyInput): Promise<VerifiedDelivery> {
    const header = getHeader(headers, signatureHeader)
    if (!header) throw new VerificationError('missing_signature', `${options.signatureHeader} header is missing`)
    const parsed = parseSignatureHeader(header)
    if (!parsed) throw new VerificationError('malformed_signature', `${options.signatureHeader} is not of the form t=<unix>,v1=<hex>`)
    let valid = false
    for (const key of keys) {
      const mac = hmacSha256(key, `${parsed.timestamp}.`, body.bytes)
      const expected = mac instanceof Uint8Array ? mac : await mac // only Web Crypto's promises cost a tick
      for (const candidate of parsed.signatures) if (timingSafeEqual(expected, candidate)) valid = true
      if (valid) break
    }
    if (!valid) throw new VerificationError('invalid_signature', `${options.signatureHeader} does not match the signing secret`)
    if (Math.abs(nowSeconds() - parsed.timestamp) > tolerance) {
      throw new VerificationError('signature_expired', `${options.signatureHeader} timestamp is outside the ${tolerance}s tolerance`)
    }
    const deliveryId = getHeader(headers, deliveryHeader)
    if (!deliveryId) throw new VerificationError('missing_delivery_id', `${options.deliveryHeader} header is missing`, 400)
    return { deliveryId, timestamp: parsed.timestamp }
  }

  return { name, matches: (headers) => getHeader(headers, signatureHeader) !== undefined, verify }
}

export interface SonuslabOptions {
  /** Webhook signing secret from the Sonuslab dashboard. Default: `process.env.SONUSLAB_WEBHOOK_SECRET`. */
  secret?: string
  /** Several secrets during a rotation. */
  secrets?: readonly string[]
  /** Default: 300. */
  toleranceSeconds?: number
}

/** Sonuslab storage: `X-Sonuslab-Signature: t=,v1=`, delivery ID in `X-Sonuslab-Delivery`. */
export function sonuslab(options: SonuslabOptions = {}): Verifier {
  return timestampedHmac({
    name: 'sonuslab',
    secret: options.secret ?? (options.secrets ? undefined : readEnv('SONUSLAB_WEBHOOK_SECRET')),
    ...(options.secrets ? { secrets: options.secrets } : {}),
    signatureHeader: 'X-Sonuslab-Signature',
    deliveryHeader: 'X-Sonuslab-Delivery',
    ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
  })
}
