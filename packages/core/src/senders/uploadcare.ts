// Uploadcare webhooks (payload versions 0.6 and 0.7): `X-Uc-Signature: v1=<hex>`.
import { type HmacKey, hmacSha256, importHmacKey, matchingMacText } from '#crypto'
import { VerificationError } from '../errors.js'
import { isObject, type Json, num, str, uploadedFile, withType } from '../events/normalise.js'
import type { EventBase, GenericEvent, UploadedFile } from '../events/types.js'
import { type DevKeySources, secretListFrom, withDevKeySources } from '../options.js'
import { andThen, bytesOf, getHeader, type MaybeAsync, readEnv, toHex, utf8 } from '../runtime.js'
import type { Verifier, VerifierResult, VerifyInput } from '../types.js'
import { devSecret } from './dev-keys.js'
import type { SenderModule, SignInput } from './types.js'

// ── Event types ─────────────────────────────────────────────────────────────
export interface UploadcareHook {
  id: number
  project_id: number
  /** Present from payload version 0.7. */
  project_pub_key?: string
  target: string
  event: string
  is_active: boolean
  /** Payload version (`"0.7"`); absent on 0.6 payloads. */
  version?: string
  created_at: string
  updated_at: string
}

export interface UploadcareVirusScan {
  data: { infected: boolean; infected_with?: string }
  datetime_created?: string
  datetime_updated?: string
  version?: string
}

export interface UploadcareFileInfo {
  uuid: string
  mime_type: string
  original_filename: string
  size: number
  is_image: boolean
  is_ready: boolean
  url: string
  original_file_url: string
  datetime_uploaded: string | null
  datetime_stored: string | null
  datetime_removed: string | null
  /** 0.7: `appdata.uc_clamav_virus_scan` carries the virus-scan verdict. */
  appdata?: { uc_clamav_virus_scan?: UploadcareVirusScan; [app: string]: unknown }
  metadata?: Record<string, unknown>
  /** 0.6 only. */
  image_info?: Record<string, unknown> | null
  /** 0.6 only. */
  video_info?: Record<string, unknown> | null
  /** 0.7 only. */
  content_info?: Record<string, unknown> | null
  [field: string]: unknown
}

export interface UploadcareEvent<T extends 'file.uploaded' | 'file.infected' | (string & {}) = string> extends EventBase<T> {
  hook: UploadcareHook
  data: UploadcareFileInfo
  /** Normalised file; the payload's own `file` (a CDN URL string) is `file.url`. */
  file: UploadedFile
  /** Payload hash field of 0.6 payloads. */
  payload_hash?: string
}

/** Handler keys with typed Uploadcare events. */
export interface UploadcareEvents {
  'file.uploaded': UploadcareEvent<'file.uploaded'>
  'file.infected': UploadcareEvent<'file.infected'>
}

/** `{ hook: { event }, data: <file info>, file: <CDN URL> }`; the type is `hook.event`. */
export function decodeUploadcareEvent(payload: Json): GenericEvent | undefined {
  const hook = payload['hook']
  const type = isObject(hook) ? str(hook['event']) : undefined
  if (type === undefined) return undefined
  const data = payload['data']
  const file = isObject(data)
    ? uploadedFile(data['uuid'], {
        key: str(data['uuid']),
        url: str(payload['file']) ?? str(data['original_file_url']) ?? str(data['url']),
        name: str(data['original_filename']),
        size: num(data['size']),
        contentType: str(data['mime_type']),
        uploadedAt: str(data['datetime_uploaded']) ?? undefined,
        metadata: isObject(data['metadata']) ? data['metadata'] : {},
      })
    : undefined
  return withType(payload, type, file)
}

// ── Verifier ────────────────────────────────────────────────────────────────
export interface UploadcareOptions {
  /** The webhook's signing secret (Uploadcare dashboard → Webhooks). Default: `process.env.UPLOADCARE_WEBHOOK_SECRET`. */
  secret?: string
  /** Several secrets during a rotation. Default: none. */
  secrets?: readonly string[]
}

const ENV = 'UPLOADCARE_WEBHOOK_SECRET'
/** An HMAC-SHA256 in lower-case hex. */
const HEX_MAC = /^[0-9a-f]{64}$/

/** Every event type Uploadcare documents: the set is closed, so a mistyped handler key is a type error. */
export type UploadcareEventType = 'file.uploaded' | 'file.infected' | 'file.stored' | 'file.deleted' | 'file.info_updated'

/**
 * Verifies Uploadcare webhooks: `X-Uc-Signature: v1=<hex HMAC-SHA256 of the raw body>`.
 * Uploadcare sends no delivery ID and resends the same body on retry, so the router keys the
 * delivery by the body's SHA-256. Its scheme has no timestamp: the dedupe TTL (72 h+) is what
 * stops a replay of a captured delivery.
 */
export function uploadcare(options: UploadcareOptions = {}): Verifier<UploadcareEventType> {
  const devKeys: DevKeySources = []
  const keys: HmacKey[] = secretListFrom('uploadcare()', {
    one: ['secret', options.secret],
    many: ['secrets', options.secrets],
    env: ENV,
    where: 'the signing secret set on the webhook',
    devKeys,
  }).map((s) => importHmacKey(utf8(s)))

  function verify({ headers, body }: VerifyInput): MaybeAsync<VerifierResult> {
    const header = getHeader(headers, 'x-uc-signature')
    if (!header) throw new VerificationError('missing_signature', 'X-Uc-Signature header is missing')
    // Hex has one spelling per byte once lower-cased: the MAC is compared as that text.
    const signature = header.startsWith('v1=') ? header.slice(3).toLowerCase() : ''
    if (!HEX_MAC.test(signature)) throw new VerificationError('malformed_signature', 'X-Uc-Signature is not of the form v1=<hex>')
    return andThen(matchingMacText(keys, 'hex', '', body.bytes, signature), (matched) => {
      if (!matched) throw new VerificationError('invalid_signature', 'X-Uc-Signature does not match the signing secret')
      // No delivery ID: the router keys the delivery by the body's SHA-256 (VerifierResult).
      return {}
    })
  }

  return withDevKeySources(
    {
      name: 'uploadcare',
      matches: (headers) => getHeader(headers, 'x-uc-signature') !== undefined,
      verify,
      toEvent: decodeUploadcareEvent,
      events: uploadcareSender.events,
      otherEvents: ['file.stored', 'file.deleted', 'file.info_updated'],
      closedEvents: true,
    },
    devKeys,
  )
}

// ── Signer ──────────────────────────────────────────────────────────────────
/** The `X-Uc-Signature` header value Uploadcare writes: `v1=<hex>`. */
export async function signUploadcare(options: { body: string | Uint8Array; secret: string }): Promise<string> {
  return `v1=${toHex(await hmacSha256(importHmacKey(utf8(options.secret)), '', bytesOf(options.body)))}`
}

// ── Module ──────────────────────────────────────────────────────────────────
export const uploadcareSender: SenderModule<'uploadcare'> = {
  id: 'uploadcare',
  label: 'Uploadcare',
  title: 'Uploadcare (payload 0.6 and 0.7)',
  factory: 'uploadcare()',
  signatureHeader: 'X-Uc-Signature',
  env: [ENV],
  events: ['file.uploaded', 'file.infected'],
  dedupe: "the body's SHA-256 (Uploadcare sends no delivery ID and resends the same body)",
  deliveryIdFromBody: true,
  eventTypeField: 'hook.event',
  devKeys: [devSecret],
  verifier: () => uploadcare(),
  sign: async (input: SignInput) => ({
    'x-uc-signature': await signUploadcare({ body: input.body, secret: input.secret ?? readEnv(ENV) ?? devSecret }),
  }),
}
