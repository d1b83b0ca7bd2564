// Standard Webhooks (and Svix) senders: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
import { type HmacKey, hmacSha256, importHmacKey, matchingMac } from '#crypto'
import { VerificationError, WebhookConfigError } from '../errors.js'
import { dataFile, type Json, str, withType } from '../events/normalise.js'
import type { EventBase, GenericEvent, UploadedFile } from '../events/types.js'
import {
  type DeclaredEventsOption,
  type DevKeySources,
  declaredEvents,
  numberOption,
  secretListFrom,
  withDevKeySources,
} from '../options.js'
import { andThen, bytesOf, fromBase64, getHeader, type MaybeAsync, nowSeconds, readEnv, toBase64 } from '../runtime.js'
import type { HeaderBag, VerifiedDelivery, Verifier, VerifyInput } from '../types.js'
import { devStandardWebhooksSecret } from './dev-keys.js'
import type { SenderModule, SignInput } from './types.js'

// ── Event types ─────────────────────────────────────────────────────────────
export interface StandardWebhookEvent<T extends string = string> extends EventBase<T> {
  timestamp: string
  data: Record<string, unknown>
  /** Normalised file when `data.file` describes one. */
  file?: UploadedFile
}

/** The body's `type`; the file is `data.file`. */
export function decodeStandardWebhooksEvent(payload: Json): GenericEvent | undefined {
  const type = str(payload['type'])
  return type === undefined ? undefined : withType(payload, type, dataFile(payload['data']))
}

// ── Verifier ────────────────────────────────────────────────────────────────
export interface StandardWebhooksOptions extends DeclaredEventsOption {
  /** `whsec_<base64>` secret (the prefix is optional). Default: `process.env.WEBHOOK_SECRET`. */
  secret?: string
  /** Several secrets during a rotation. Default: none. */
  secrets?: readonly string[]
  /** Largest accepted distance between `webhook-timestamp` and now, either way, in seconds, 1 to 3600. Default: 300. */
  toleranceSeconds?: number
}

const ENV = 'WEBHOOK_SECRET'

/** Standard Webhooks headers, and the `svix-` names Svix senders still use. */
function header(headers: HeaderBag, name: 'id' | 'timestamp' | 'signature'): string | undefined {
  return getHeader(headers, `webhook-${name}`) ?? getHeader(headers, `svix-${name}`)
}

function secretBytes(secret: string): Uint8Array | undefined {
  const bytes = fromBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret)
  return bytes && bytes.length > 0 ? bytes : undefined
}

/**
 * Verifies Standard Webhooks (and Svix) deliveries: `webhook-signature` is a space-separated
 * list of `v1,<base64 HMAC-SHA256>` over `${id}.${timestamp}.${rawBody}`. The ID is signed, so
 * it is both the dedupe key and the replay guard.
 */
export function standardWebhooks(options: StandardWebhooksOptions = {}): Verifier {
  const devKeys: DevKeySources = []
  const keys: HmacKey[] = secretListFrom('standardWebhooks()', {
    one: ['secret', options.secret],
    many: ['secrets', options.secrets],
    env: ENV,
    where: 'a whsec_... secret',
    devKeys,
  }).map((s) => {
    const bytes = secretBytes(s)
    if (!bytes) throw new WebhookConfigError('standardWebhooks(): the secret is not base64 (expected whsec_<base64>)')
    return importHmacKey(bytes)
  })
  const tolerance = numberOption('standardWebhooks()', 'toleranceSeconds', options.toleranceSeconds, 300, { min: 1, max: 3600 })

  function verify({ headers, body }: VerifyInput): MaybeAsync<VerifiedDelivery> {
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
    return andThen(matchingMac(keys, `${id}.${stamp}.`, body.bytes, signatures), (matched) => {
      if (!matched) throw new VerificationError('invalid_signature', 'webhook-signature does not match the signing secret')
      const timestamp = Number(stamp)
      if (Math.abs(nowSeconds() - timestamp) > tolerance) {
        throw new VerificationError('signature_expired', `webhook-timestamp is outside the ${tolerance}s tolerance`)
      }
      return { deliveryId: id, timestamp }
    })
  }

  return withDevKeySources(
    {
      name: 'standard-webhooks',
      matches: (headers) => header(headers, 'signature') !== undefined,
      verify,
      toEvent: decodeStandardWebhooksEvent,
      events: declaredEvents('standardWebhooks()', standardWebhooksSender.events, options.events),
    },
    devKeys,
  )
}

// ── Signer ──────────────────────────────────────────────────────────────────
export interface SignStandardWebhooksOptions {
  body: string | Uint8Array
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
  const key = secretBytes(options.secret)
  if (!key) throw new Error('signStandardWebhooks(): secret is not whsec_<base64>')
  const mac = await hmacSha256(importHmacKey(key), `${options.id}.${timestamp}.`, bytesOf(options.body))
  return { 'webhook-id': options.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${toBase64(mac)}` }
}

// ── Module ──────────────────────────────────────────────────────────────────
export const standardWebhooksSender: SenderModule<'standard-webhooks'> = {
  id: 'standard-webhooks',
  label: 'Standard Webhooks',
  title: 'Standard Webhooks and Svix senders',
  factory: 'standardWebhooks()',
  signatureHeader: 'webhook-signature',
  env: [ENV],
  events: [],
  dedupe: '`webhook-id` (signed, so it is also the replay guard)',
  deliveryIdFromBody: false,
  eventTypeField: 'type',
  devKeys: [devStandardWebhooksSecret],
  verifier: () => standardWebhooks(),
  sign: (input: SignInput) =>
    signStandardWebhooks({
      body: input.body,
      secret: input.secret ?? readEnv(ENV) ?? devStandardWebhooksSecret,
      id: input.deliveryId,
      ...(input.now ? { timestamp: input.now } : {}),
    }),
}
