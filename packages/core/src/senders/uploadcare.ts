import { type HmacKey, hmacSha256, importHmacKey, sha256, timingSafeEqual } from '#crypto'
import { fromHex, toHex, utf8 } from '../encoding.js'
import { readEnv } from '../env.js'
import { VerificationError } from '../errors.js'
import { getHeader } from '../headers.js'
import type { VerifiedDelivery, Verifier, VerifyInput } from '../types.js'
import { secretList } from './secrets.js'

export interface UploadcareOptions {
  /** The webhook's signing secret (Uploadcare dashboard → Webhooks). Default: `process.env.UPLOADCARE_WEBHOOK_SECRET`. */
  secret?: string
  /** Several secrets during a rotation. */
  secrets?: readonly string[]
}

/**
 * Verifies Uploadcare webhooks: `X-Uc-Signature: v1=<hex HMAC-SHA256 of the raw body>`.
 * Uploadcare sends no delivery ID and resends the same body on retry, so the delivery ID
 * is the body's SHA-256. Its scheme has no timestamp: the dedupe TTL (72 h+) is what
 * stops a replay of a captured delivery.
 */
export function uploadcare(options: UploadcareOptions = {}): Verifier {
  const secret = options.secret ?? (options.secrets ? undefined : readEnv('UPLOADCARE_WEBHOOK_SECRET'))
  const keys: HmacKey[] = secretList('uploadcare', { secret, secrets: options.secrets }, 'the signing secret set on the webhook').map((s) =>
    importHmacKey(utf8(s)),
  )

  async function verify({ headers, body }: VerifyInput): Promise<VerifiedDelivery> {
    const header = getHeader(headers, 'x-uc-signature')
    if (!header) throw new VerificationError('missing_signature', 'X-Uc-Signature header is missing')
    const signature = header.startsWith('v1=') ? fromHex(header.slice(3)) : undefined
    if (signature?.length !== 32) throw new VerificationError('malformed_signature', 'X-Uc-Signature is not of the form v1=<hex>')
    let valid = false
    for (const key of keys) {
      // node:crypto answers synchronously; awaiting only Web Crypto's promises saves a tick per call.
      const mac = hmacSha256(key, '', body.bytes)
      if (timingSafeEqual(mac instanceof Uint8Array ? mac : await mac, signature)) {
        valid = true
        break
      }
    }
    if (!valid) throw new VerificationError('invalid_signature', 'X-Uc-Signature does not match the signing secret')
    const digest = sha256(body.bytes)
    return { deliveryId: toHex(digest instanceof Uint8Array ? digest : await digest) }
  }

  return { name: 'uploadcare', matches: (headers) => getHeader(headers, 'x-uc-signature') !== undefined, verify }
}
