import { type HmacKey, hmacSha256, importHmacKey, timingSafeEqual } from '#crypto'
import { fromBase64 } from '../encoding.js'
import { nowSeconds, readEnv } from '../env.js'
import { VerificationError, WebhookConfigError } from '../errors.js'
import { getHeader } from '../headers.js'
import type { HeaderBag, VerifiedDelivery, Verifier, VerifyInput } from '../types.js'
import { secretList } from './secrets.js'

export interface StandardWebhooksOptions {
  /** `whsec_<base64>` secret (the prefix is optional). Default: `process.env.WEBHOOK_SECRET`. */
  secret?: string
  /** Several secrets during a rotation. */
  secrets?: readonly string[]
  /** Largest accepted distance between `webhook-timestamp` and now, either way, in seconds. Default: 300. */
  toleranceSeconds?: number
}

/** Standard Webhooks headers, and the `svix-` names Svix senders still use. */
function header(headers: HeaderBag, name: 'id' | 'timestamp' | 'signature'): string | undefined {
  return getHeader(headers, `webhook-${name}`) ?? getHeader(headers, `svix-${name}`)
}

/**
 * Verifies Standard Webhooks (and Svix) deliveries: `webhook-signature` is a space-separated
 * list of `v1,<base64 HMAC-SHA256>` over `${id}.${timestamp}.${rawBody}`.
 */
export function standardWebhooks(options: StandardWebhooksOptions = {}): Verifier {
  const secret = options.secret ?? (options.secrets ? undefined : readEnv('WEBHOOK_SECRET'))
  const keys: HmacKey[] = secretList('standardWebhooks', { secret, secrets: options.secrets }, 'a whsec_... secret').map((s) => {
    const bytes = fromBase64(s.startsWith('whsec_') ? s.slice(6) : s)
    if (!bytes || bytes.length === 0) throw new WebhookConfigError('standardWebhooks(): the secret is not base64 (expected whsec_<base64>)')
    return importHmacKey(bytes)
  })
  const tolerance = options.toleranceSeconds ?? 300

  async function verify({ headers, body }: VerifyInput): Promise<VerifiedDelivery> {
    const list = header(headers, 'signature')
    if (!list) throw new VerificationError('missing_signature', 'webhook-signature header is missing')
    const id = header(headers, 'id')
    const stamp = header(headers, 'timestamp')
    if (!id || !stamp || !/^\d{1,12}$/.test(stamp)) {
      throw new VerificationError('malformed_signature', 'webhook-id and a numeric webhook-timestamp are required')
    }
    const signatures: Uint8Array[] = []
    for (const entry of list.split(' ')) {
      if (!entry.startsWith('v1,')) continue
      const bytes = fromBase64(entry.slice(3))
      if (bytes?.length === 32) signatures.push(bytes)
    }
    if (signatures.length === 0) throw new VerificationError('malformed_signature', 'webhook-signature has no v1 signature')
    let valid = false
    for (const key of keys) {
      const mac = hmacSha256(key, `${id}.${stamp}.`, body.bytes)
      const expected = mac instanceof Uint8Array ? mac : await mac // only Web Crypto's promises cost a tick
      for (const candidate of signatures) if (timingSafeEqual(expected, candidate)) valid = true
      if (valid) break
    }
    if (!valid) throw new VerificationError('invalid_signature', 'webhook-signature does not match the signing secret')
    const timestamp = Number(stamp)
    if (Math.abs(nowSeconds() - timestamp) > tolerance) {
      throw new VerificationError('signature_expired', `webhook-timestamp is outside the ${tolerance}s tolerance`)
    }
    return { deliveryId: id, timestamp }
  }

  return { name: 'standard-webhooks', matches: (headers) => header(headers, 'signature') !== undefined, verify }
}
