// Cloudinary upload notifications: `X-Cld-Signature` is the hex SHA-1 (or SHA-256) of the raw
// body, then `X-Cld-Timestamp`, then the API secret — a plain digest, not an HMAC.
import { digest, timingSafeEqual } from '#crypto'
import { VerificationError, WebhookConfigError } from '../errors.js'
import { isObject, type Json, num, str, uploadedFile, withType } from '../events/normalise.js'
import type { EventBase, GenericEvent, UploadedFile } from '../events/types.js'
import {
  type DeclaredEventsOption,
  type DevKeySources,
  declaredEvents,
  numberOption,
  secretListFrom,
  withDevKeySources,
} from '../options.js'
import { andThen, bytesOf, fromHex, getHeader, isPromiseLike, type MaybeAsync, nowSeconds, readEnv, toBase64, toHex } from '../runtime.js'
import type { Verifier, VerifierResult, VerifyInput } from '../types.js'
import { devSecret } from './dev-keys.js'
import type { SenderModule, SignInput } from './types.js'

// ── Event types ─────────────────────────────────────────────────────────────
export interface CloudinaryUploadEvent extends EventBase<'upload'> {
  notification_type: 'upload'
  public_id: string
  secure_url: string
  url?: string
  bytes: number
  format?: string
  resource_type: string
  original_filename?: string
  created_at: string
  asset_id?: string
  version?: number
  [field: string]: unknown
  file: UploadedFile
}

/** Handler keys with typed Cloudinary notifications. */
export interface CloudinaryEvents {
  upload: CloudinaryUploadEvent
}

const RESOURCE_TYPES = new Map([
  ['image', 'image'],
  ['video', 'video'],
  ['raw', 'application'],
])
// `format` is a file extension under a `resource_type`; these common ones have a media type other
// than `<resource_type>/<format>` (audio is a `video` resource, PDFs an `image`). Maps, not object
// literals, so a `format` of "constructor" is not looked up on Object.prototype.
const MEDIA_TYPES = new Map([
  ['jpg', 'image/jpeg'],
  ['svg', 'image/svg+xml'],
  ['tif', 'image/tiff'],
  ['pdf', 'application/pdf'],
  ['mov', 'video/quicktime'],
  ['mkv', 'video/x-matroska'],
  ['mp3', 'audio/mpeg'],
  ['m4a', 'audio/mp4'],
  ['wav', 'audio/wav'],
  ['aac', 'audio/aac'],
  ['flac', 'audio/flac'],
])

function mediaType(kind: string | undefined, format: string | undefined): string | undefined {
  if (!kind || !format) return undefined
  return MEDIA_TYPES.get(format.toLowerCase()) ?? `${RESOURCE_TYPES.get(kind) ?? kind}/${format}`
}

/** The type is `notification_type`; an upload's file is normalised from its top-level fields. */
export function decodeCloudinaryEvent(payload: Json): GenericEvent | undefined {
  const type = str(payload['notification_type'])
  if (type === undefined) return undefined
  const file = uploadedFile(payload['public_id'], {
    key: str(payload['public_id']),
    url: str(payload['secure_url']) ?? str(payload['url']),
    name: str(payload['original_filename']),
    size: num(payload['bytes']),
    contentType: mediaType(str(payload['resource_type']), str(payload['format'])),
    uploadedAt: str(payload['created_at']),
    metadata: isObject(payload['context']) ? payload['context'] : {},
  })
  return withType(payload, type, file)
}

// ── Verifier ────────────────────────────────────────────────────────────────
export interface CloudinaryOptions extends DeclaredEventsOption {
  /** The account's API secret (Cloudinary console → API Keys). Default: `process.env.CLOUDINARY_API_SECRET`. */
  apiSecret?: string
  /** Several API secrets during a rotation. Default: none. */
  apiSecrets?: readonly string[]
  /** The account's signature algorithm (Settings → Security). Default: `'sha1'`. */
  signatureAlgorithm?: 'sha1' | 'sha256'
  /** How old `X-Cld-Timestamp` may be, in seconds, 1 to 86 400; as far in the future is refused too. Default: 7200 (the SDK's `valid_for`). */
  toleranceSeconds?: number
}

const ENV = 'CLOUDINARY_API_SECRET'
const OWNER = 'cloudinary()'

/**
 * Verifies Cloudinary notifications as the `cloudinary` SDK's `utils.verifyNotificationSignature`
 * does, in constant time, and also refuses timestamps from the future. Cloudinary sends no
 * delivery ID: the body's SHA-256 is the dedupe key, and the signature the replay nonce.
 */
export function cloudinary(options: CloudinaryOptions = {}): Verifier {
  const devKeys: DevKeySources = []
  const secrets = secretListFrom(OWNER, {
    one: ['apiSecret', options.apiSecret],
    many: ['apiSecrets', options.apiSecrets],
    env: ENV,
    where: 'Cloudinary console → API Keys',
    devKeys,
  })
  const algorithm = options.signatureAlgorithm ?? 'sha1'
  if (algorithm !== 'sha1' && algorithm !== 'sha256') {
    throw new WebhookConfigError(`${OWNER}: \`signatureAlgorithm\` must be 'sha1' or 'sha256', got ${JSON.stringify(algorithm)}`)
  }
  const tolerance = numberOption(OWNER, 'toleranceSeconds', options.toleranceSeconds, 7200, { min: 1, max: 86_400 })
  const size = algorithm === 'sha1' ? 20 : 32

  function verify({ headers, body }: VerifyInput): MaybeAsync<VerifierResult> {
    const header = getHeader(headers, 'x-cld-signature')
    if (!header) throw new VerificationError('missing_signature', 'X-Cld-Signature header is missing')
    const stamp = getHeader(headers, 'x-cld-timestamp')
    const signature = fromHex(header.trim())
    if (!stamp || !/^\d{1,12}$/.test(stamp) || signature?.length !== size) {
      throw new VerificationError('malformed_signature', `X-Cld-Signature must be a hex ${algorithm} digest with a numeric X-Cld-Timestamp`)
    }
    const digests = secrets.map((secret) => digest(algorithm, body.bytes, stamp, secret))
    const computed = digests.some(isPromiseLike) ? Promise.all(digests) : (digests as Uint8Array[])
    return andThen(computed, (all) => verdict(all, signature, stamp))
  }

  /** Every secret's digest compared (timing does not tell which matched), then the time window. */
  function verdict(digests: readonly Uint8Array[], signature: Uint8Array, stamp: string): VerifierResult {
    let valid = false
    for (const one of digests) if (timingSafeEqual(one, signature)) valid = true
    if (!valid) throw new VerificationError('invalid_signature', 'X-Cld-Signature does not match the API secret')
    const timestamp = Number(stamp)
    // Rounded as the SDK's verifyNotificationSignature rounds, so both agree on the edge second.
    if (Math.abs(Math.round(Date.now() / 1000) - timestamp) > tolerance) {
      throw new VerificationError('signature_expired', `X-Cld-Timestamp is outside the ${tolerance}s tolerance`)
    }
    // No delivery ID: the router keys the delivery by the body's SHA-256 (VerifierResult).
    return {
      timestamp,
      replayNonce: { value: toBase64(signature, true), expiresAt: timestamp + tolerance },
    }
  }

  return withDevKeySources(
    {
      name: 'cloudinary',
      matches: (headers) => getHeader(headers, 'x-cld-signature') !== undefined,
      verify,
      toEvent: decodeCloudinaryEvent,
      events: declaredEvents(OWNER, cloudinarySender.events, options.events),
    },
    devKeys,
  )
}

// ── Signer ──────────────────────────────────────────────────────────────────
export interface SignCloudinaryOptions {
  body: string | Uint8Array
  apiSecret: string
  /** Default: `'sha1'`. */
  signatureAlgorithm?: 'sha1' | 'sha256'
  /** Default: now. */
  timestamp?: number
}

/** The `X-Cld-Signature` and `X-Cld-Timestamp` headers Cloudinary sends. */
export async function signCloudinary(options: SignCloudinaryOptions): Promise<Record<string, string>> {
  const timestamp = String(options.timestamp ?? nowSeconds())
  const mac = await digest(options.signatureAlgorithm ?? 'sha1', bytesOf(options.body), timestamp, options.apiSecret)
  return { 'x-cld-signature': toHex(mac), 'x-cld-timestamp': timestamp }
}

// ── Module ──────────────────────────────────────────────────────────────────
export const cloudinarySender: SenderModule<'cloudinary'> = {
  id: 'cloudinary',
  label: 'Cloudinary',
  title: 'Cloudinary upload notifications',
  factory: 'cloudinary()',
  signatureHeader: 'X-Cld-Signature',
  env: [ENV],
  events: ['upload'],
  dedupe: "the body's SHA-256 (Cloudinary sends no delivery ID); replays are refused on the signature",
  deliveryIdFromBody: true,
  eventTypeField: 'notification_type',
  devKeys: [devSecret],
  verifier: () => cloudinary(),
  sign: (input: SignInput) =>
    signCloudinary({
      body: input.body,
      apiSecret: input.secret ?? readEnv(ENV) ?? devSecret,
      ...(input.now ? { timestamp: input.now } : {}),
    }),
}
