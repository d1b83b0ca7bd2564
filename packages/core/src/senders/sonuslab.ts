// Stripe-style `t=<unix>,v1=<hex>` senders: Sonuslab storage, and any other sender of that
// scheme through `timestampedHmac({ ... })`.
import { base64Url, type HmacKey, hmacSha256, importHmacKey, matchingMac } from '#crypto'
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
import { andThen, bytesOf, fromHex, getHeader, type MaybeAsync, nowSeconds, readEnv, toHex, utf8 } from '../runtime.js'
import type { VerifiedDelivery, Verifier, VerifyInput } from '../types.js'
import { devSecret } from './dev-keys.js'
import type { SenderModule, SignInput } from './types.js'

// ── Event types ─────────────────────────────────────────────────────────────
export interface SonuslabFile {
  id: string
  key: string
  name: string
  size: number
  contentType: string
  [field: string]: unknown
}

export interface SonuslabUploadCompletedEvent extends EventBase<'upload.completed'> {
  event: 'upload.completed'
  data: { file: SonuslabFile; [field: string]: unknown }
  file: UploadedFile
}

/** Handler keys with typed events that Sonuslab (and Stripe-style senders like it) send. */
export interface SonuslabEvents {
  'upload.completed': SonuslabUploadCompletedEvent
}

/** The event type is the body's `event` (Sonuslab), else its `type` (Stripe); the file is `data.file`. */
export function decodeTimestampedHmacEvent(payload: Json): GenericEvent | undefined {
  const type = str(payload['event']) ?? str(payload['type'])
  return type === undefined ? undefined : withType(payload, type, dataFile(payload['data']))
}

// ── Verifier ────────────────────────────────────────────────────────────────
export interface TimestampedHmacOptions extends DeclaredEventsOption {
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
  /** Largest accepted distance between `t` and now, either way, in seconds, 1 to 3600. Default: 300. */
  toleranceSeconds?: number
  /** Env variable read when neither `secret` nor `secrets` is given. Default: none. */
  secretEnv?: string
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

const headerName = (owner: string, option: string, value: unknown): string => {
  if (typeof value !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) {
    throw new WebhookConfigError(`${owner}: \`${option}\` must be an HTTP header name, got ${JSON.stringify(value)}`)
  }
  return value
}

/**
 * Verifies Stripe-style signatures: `t=<unix>,v1=<hex>` where v1 is HMAC-SHA256 over
 * `${t}.${rawBody}`. Every listed `v1` is tried against every secret; `t` must be within
 * `toleranceSeconds` of now in either direction (replays and future stamps are refused).
 */
export function timestampedHmac(options: TimestampedHmacOptions): Verifier {
  const name = options.name ?? 'hmac'
  const owner = `${name === 'hmac' ? 'timestampedHmac' : name}()`
  const signatureHeader = headerName(owner, 'signatureHeader', options.signatureHeader)
  const deliveryHeader = headerName(owner, 'deliveryHeader', options.deliveryHeader).toLowerCase()
  const devKeys: DevKeySources = []
  const keys: HmacKey[] = secretListFrom(owner, {
    one: ['secret', options.secret],
    many: ['secrets', options.secrets],
    env: options.secretEnv,
    where: "the sender's webhook signing secret",
    devKeys,
  }).map((s) => importHmacKey(utf8(s)))
  const tolerance = numberOption(owner, 'toleranceSeconds', options.toleranceSeconds, 300, { min: 1, max: 3600 })
  const signatureKey = signatureHeader.toLowerCase()

  function verify({ headers, body }: VerifyInput): MaybeAsync<VerifiedDelivery> {
    const header = getHeader(headers, signatureKey)
    if (!header) throw new VerificationError('missing_signature', `${signatureHeader} header is missing`)
    const parsed = parseSignatureHeader(header)
    if (!parsed) throw new VerificationError('malformed_signature', `${signatureHeader} is not of the form t=<unix>,v1=<hex>`)
    const { timestamp } = parsed
    return andThen(matchingMac(keys, `${timestamp}.`, body.bytes, parsed.signatures), (mac) => {
      if (!mac) throw new VerificationError('invalid_signature', `${signatureHeader} does not match the signing secret`)
      if (Math.abs(nowSeconds() - timestamp) > tolerance) {
        throw new VerificationError('signature_expired', `${signatureHeader} timestamp is outside the ${tolerance}s tolerance`)
      }
      const deliveryId = getHeader(headers, deliveryHeader)
      if (!deliveryId) throw new VerificationError('missing_delivery_id', `${options.deliveryHeader} header is missing`, 400)
      // The MAC covers t and the body: the same signed delivery under another delivery ID is a replay.
      return { deliveryId, timestamp, replayNonce: { value: base64Url(mac), expiresAt: timestamp + tolerance } }
    })
  }

  return withDevKeySources(
    {
      name,
      matches: (headers) => getHeader(headers, signatureKey) !== undefined,
      verify,
      toEvent: decodeTimestampedHmacEvent,
      events: declaredEvents(owner, sonuslabSender.events, options.events),
    },
    devKeys,
  )
}

export interface SonuslabOptions extends DeclaredEventsOption {
  /** Default: `process.env.SONUSLAB_WEBHOOK_SECRET`. */
  secret?: string
  secrets?: readonly string[]
  /** Largest accepted distance between `t` and now, in seconds, 1 to 3600. Default: 300. */
  toleranceSeconds?: number
}

/** Sonuslab storage: `X-Sonuslab-Signature: t=,v1=`, delivery ID in `X-Sonuslab-Delivery`. */
export function sonuslab(options: SonuslabOptions = {}): Verifier {
  return timestampedHmac({
    ...options,
    name: 'sonuslab',
    secretEnv: SONUSLAB_ENV,
    signatureHeader: 'X-Sonuslab-Signature',
    deliveryHeader: 'X-Sonuslab-Delivery',
  })
}

const SONUSLAB_ENV = 'SONUSLAB_WEBHOOK_SECRET'

// ── Signer ──────────────────────────────────────────────────────────────────
export interface SignTimestampedHmacOptions {
  body: string | Uint8Array
  secret: string
  /** Default: now. */
  timestamp?: number
}

/** The `t=<unix>,v1=<hex>` header value a Stripe-style sender writes. */
export async function signTimestampedHmac(options: SignTimestampedHmacOptions): Promise<string> {
  const t = options.timestamp ?? nowSeconds()
  return `t=${t},v1=${toHex(await hmacSha256(importHmacKey(utf8(options.secret)), `${t}.`, bytesOf(options.body)))}`
}

// ── Module ──────────────────────────────────────────────────────────────────
export const sonuslabSender: SenderModule<'sonuslab'> = {
  id: 'sonuslab',
  label: 'Sonuslab',
  title: 'Sonuslab storage, and other Stripe-style `t=,v1=` senders through timestampedHmac()',
  factory: 'sonuslab()',
  signatureHeader: 'X-Sonuslab-Signature',
  env: [SONUSLAB_ENV],
  events: ['upload.completed'],
  dedupe: '`X-Sonuslab-Delivery` (unsigned); replays are refused on the signature (HMAC of `t` and the body)',
  deliveryIdFromBody: false,
  eventTypeField: 'event',
  devKeys: [devSecret],
  verifier: () => sonuslab(),
  sign: async (input: SignInput) => ({
    'x-sonuslab-signature': await signTimestampedHmac({
      body: input.body,
      secret: input.secret ?? readEnv(SONUSLAB_ENV) ?? devSecret,
      ...(input.now ? { timestamp: input.now } : {}),
    }),
    'x-sonuslab-delivery': input.deliveryId,
  }),
}
