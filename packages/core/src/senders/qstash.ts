// Upstash QStash: UploadKit's `onUploadComplete` and any QStash publisher's messages, plus
// QStash's own callbacks and failure callbacks. Signature: the `Upstash-Signature` HS256 JWT.
import { base64UrlText, type HmacKey, hmacSha256, importHmacKey, matchingMacText, sha256, sha256Base64Url } from '#crypto'
import { VerificationError, WebhookConfigError } from '../errors.js'
import { dataFile, fileIdOf, isObject, type Json, num, str, withType } from '../events/normalise.js'
import type { EventBase, GenericEvent, UploadedFile } from '../events/types.js'
import {
  checkPublicUrl,
  type DeclaredEventsOption,
  type DevKeySources,
  declaredEvents,
  numberOption,
  secretFrom,
  withDevKeySources,
} from '../options.js'
import {
  andThen,
  bytesOf,
  fromBase64,
  fromUtf8,
  getHeader,
  jsonSegment,
  type MaybeAsync,
  nowSeconds,
  randomId,
  readEnv,
  toBase64,
  utf8,
} from '../runtime.js'
import type { VerifiedDelivery, Verifier, VerifyInput } from '../types.js'
import { devSigningKeys } from './dev-keys.js'
import type { SenderModule, SignInput } from './types.js'

// ── Event types ─────────────────────────────────────────────────────────────
export interface UploadKitFile {
  id: string
  key: string
  url: string
  fileName: string
  fileSize: number
  contentType: string
  status: string
  createdAt: string
}

export interface UploadKitUploadCompleteEvent extends EventBase<'onUploadComplete'> {
  event: 'onUploadComplete'
  file: UploadedFile & UploadKitFile
  metadata: Record<string, unknown>
}

export interface QStashCallbackEvent<T extends 'qstash.callback' | 'qstash.failure' = 'qstash.callback' | 'qstash.failure'>
  extends EventBase<T> {
  /** HTTP status the destination answered the source message with. */
  status: number
  sourceMessageId: string
  /** The destination URL of the source message. */
  url: string
  topicName?: string
  endpointName?: string
  method?: string
  /** Response headers of the destination. */
  header: Record<string, string[]>
  /** The destination's response body, base64 as QStash sends it. */
  body: string
  /** `body` decoded as UTF-8. */
  bodyText: string
  /** The original message body, base64 as QStash sends it. */
  sourceBody: string
  /** `sourceBody` decoded as UTF-8. */
  sourceBodyText: string
  sourceHeader?: Record<string, string[]>
  retried: number
  maxRetries: number
  /** Set when the source message went to the dead-letter queue. */
  dlqId?: string
}

/** Handler keys with typed events that arrive through QStash. */
export interface QStashEvents {
  onUploadComplete: UploadKitUploadCompleteEvent
  'qstash.callback': QStashCallbackEvent<'qstash.callback'>
  'qstash.failure': QStashCallbackEvent<'qstash.failure'>
}

// ── Decoder ─────────────────────────────────────────────────────────────────
/**
 * UploadKit `onUploadComplete`: `{ event, file: { id, key, url, fileName, fileSize, contentType, status, createdAt }, metadata }`.
 * The normalised fields over a copy of the sender's own: a spread behind a leading `id` (see
 * withType), then plain stores. Object.assign of the normalised fields onto it would take V8's
 * generic path for every key.
 */
function uploadKitFile(payload: Json): UploadedFile | undefined {
  const own = payload['file']
  if (!isObject(own)) return undefined
  const id = fileIdOf(own['id'])
  if (id === undefined) return undefined
  const file: Json = { id, ...own }
  file['id'] = id
  file['key'] = str(own['key'])
  file['url'] = str(own['url'])
  file['name'] = str(own['fileName']) ?? str(own['name'])
  file['size'] = num(own['fileSize']) ?? num(own['size'])
  file['contentType'] = str(own['contentType'])
  file['uploadedAt'] = str(own['createdAt']) ?? str(own['uploadedAt'])
  file['metadata'] = isObject(payload['metadata']) ? payload['metadata'] : isObject(own['metadata']) ? own['metadata'] : {}
  return file as unknown as UploadedFile
}

const decodeBase64Text = (value: unknown): string => {
  const bytes = typeof value === 'string' ? fromBase64(value) : undefined
  return bytes ? fromUtf8(bytes) : ''
}

/**
 * A QStash delivery as an event. A callback or failure callback (its body carries
 * `sourceMessageId`) becomes `qstash.callback` / `qstash.failure` with its base64 bodies
 * decoded. A published message's type is its `event` field (UploadKit), else its `type`.
 */
export function decodeQStashEvent(payload: Json): GenericEvent | undefined {
  if (typeof payload['sourceMessageId'] !== 'string') {
    const event = str(payload['event'])
    if (event) return withType(payload, event, uploadKitFile(payload) ?? dataFile(payload['data']))
    const type = str(payload['type'])
    return type === undefined ? undefined : withType(payload, type, dataFile(payload['data']))
  }
  const status = num(payload['status']) ?? 0
  const failed = status < 200 || status >= 300 || str(payload['dlqId']) !== undefined
  return withType(payload, failed ? 'qstash.failure' : 'qstash.callback', undefined, {
    status,
    header: isObject(payload['header']) ? payload['header'] : {},
    bodyText: decodeBase64Text(payload['body']),
    sourceBodyText: decodeBase64Text(payload['sourceBody']),
    retried: num(payload['retried']) ?? 0,
    maxRetries: num(payload['maxRetries']) ?? 0,
  })
}

// ── Verifier ────────────────────────────────────────────────────────────────
export interface QStashVerifierOptions extends DeclaredEventsOption {
  /** Current signing key (QStash console → Signing keys). Default: `process.env.QSTASH_CURRENT_SIGNING_KEY`. */
  currentSigningKey?: string
  /** Next signing key, tried when the current one fails (key rotation). Default: `process.env.QSTASH_NEXT_SIGNING_KEY`. */
  nextSigningKey?: string
  /**
   * URL the token's `sub` claim must equal: this endpoint's public URL. Default: the router's
   * `url` option, else `WEBHOOK_PUBLIC_URL`, else (outside production) the request URL.
   * `false` never checks it (unsafe: a token issued for another of your endpoints then verifies).
   */
  url?: string | false
  /** Seconds of clock skew allowed on `exp` and `nbf`, 0 to 300. Default: 10. */
  clockToleranceSeconds?: number
}

interface JwtClaims {
  iss?: unknown
  sub?: unknown
  exp?: unknown
  nbf?: unknown
  iat?: unknown
  jti?: unknown
  body?: unknown
}

/** `{"alg":"HS256","typ":"JWT"}`, the header QStash always sends: recognised without decoding it. */
const QSTASH_JWT_HEADER = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'
const ENV = { current: 'QSTASH_CURRENT_SIGNING_KEY', next: 'QSTASH_NEXT_SIGNING_KEY' } as const

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

/** base64url with its padding dropped: QStash may pad the body hash; Upstash's own Receiver ignores it too. */
const unpadded = (text: string) => (text.endsWith('=') ? text.replace(/=+$/, '') : text)

/** Equal as strings, or once both are normalised as URLs (host case, default port). */
function sameUrl(a: string, b: string): boolean {
  if (a === b) return true
  try {
    return new URL(a).href === new URL(b).href
  } catch {
    return false
  }
}

/** An HS256 signature part: 32 bytes as unpadded base64url. */
const HS256_SIGNATURE = /^[\w-]{43}$/

/** Splits a compact JWT and checks its header is HS256 (refusing `alg: none` and algorithm confusion). */
function jwtParts(token: string): { signingInput: string; claims: string; signature: string } {
  const firstDot = token.indexOf('.')
  const lastDot = token.lastIndexOf('.')
  if (firstDot <= 0 || lastDot === firstDot || token.indexOf('.', firstDot + 1) !== lastDot) {
    throw reject('malformed_signature', 'Upstash-Signature is not a JWT')
  }
  const headerSegment = token.slice(0, firstDot)
  if (headerSegment !== QSTASH_JWT_HEADER) {
    const header = decodeJson<{ alg?: unknown; typ?: unknown }>(headerSegment)
    if (header?.alg !== 'HS256' || (header.typ !== undefined && header.typ !== 'JWT')) {
      throw reject('malformed_signature', 'Upstash-Signature must be an HS256 JWT')
    }
  }
  const signature = unpadded(token.slice(lastDot + 1))
  if (!HS256_SIGNATURE.test(signature)) throw reject('malformed_signature', 'Upstash-Signature has a malformed signature part')
  return { signingInput: token.slice(0, lastDot), claims: token.slice(firstDot + 1, lastDot), signature }
}

/** Checks issuer, time window and destination of verified claims. */
function checkClaims(claims: JwtClaims, tolerance: number, expectedUrl: string | false): void {
  if (claims.iss !== 'Upstash') throw reject('wrong_issuer', 'Upstash-Signature was not issued by Upstash')
  const now = nowSeconds()
  if (typeof claims.exp !== 'number' || now > claims.exp + tolerance) throw reject('signature_expired', 'Upstash-Signature has expired')
  if (typeof claims.nbf === 'number' && now + tolerance < claims.nbf) {
    throw reject('signature_not_yet_valid', "Upstash-Signature is not valid yet (check this server's clock)")
  }
  if (expectedUrl !== false && (typeof claims.sub !== 'string' || !sameUrl(claims.sub, expectedUrl))) {
    throw reject(
      'wrong_url',
      "Upstash-Signature was issued for another URL (set the `url` option or WEBHOOK_PUBLIC_URL to this endpoint's public URL)",
    )
  }
}

/**
 * Verifies deliveries made through Upstash QStash (UploadKit and any QStash publisher):
 * the `Upstash-Signature` HS256 JWT, its issuer, expiry, destination URL and body hash,
 * trying the current signing key and then the next one.
 */
export function qstash(options: QStashVerifierOptions = {}): Verifier {
  const devKeys: DevKeySources = []
  const current = secretFrom('qstash()', options.currentSigningKey, { option: 'currentSigningKey', env: ENV.current }, devKeys)
  const next = secretFrom('qstash()', options.nextSigningKey, { option: 'nextSigningKey', env: ENV.next }, devKeys)
  if (!current || !next) {
    const missing = [!current && ENV.current, !next && ENV.next].filter(Boolean).join(' and ')
    throw new WebhookConfigError(
      `qstash(): ${missing} is not set. Copy both signing keys from the QStash console (Signing keys) into the environment, ` +
        'or pass { currentSigningKey, nextSigningKey }.',
    )
  }
  if (options.url !== undefined && options.url !== false) checkPublicUrl('qstash()', 'url', options.url)
  const keys: HmacKey[] = [importHmacKey(utf8(current)), importHmacKey(utf8(next))]
  const tolerance = numberOption('qstash()', 'clockToleranceSeconds', options.clockToleranceSeconds, 10, { min: 0, max: 300 })

  // Synchronous on Node (node:crypto answers at once); Web Crypto's MAC and hash are awaited.
  function verify({ url, publicUrl = url, headers, body }: VerifyInput): MaybeAsync<VerifiedDelivery> {
    const token = getHeader(headers, 'upstash-signature')
    if (!token) throw reject('missing_signature', 'Upstash-Signature header is missing')
    const parts = jwtParts(token)
    return andThen(matchingMacText(keys, 'base64url', parts.signingInput, undefined, parts.signature), (matched) => {
      if (!matched) throw reject('invalid_signature', 'Upstash-Signature does not match the current or next signing key')
      const claims = decodeJson<JwtClaims>(parts.claims)
      if (!claims) throw reject('malformed_signature', 'Upstash-Signature claims are not JSON')
      checkClaims(claims, tolerance, options.url ?? publicUrl)
      return andThen(sha256Base64Url(body.bytes), (bodyHash) => verifiedDelivery(claims, bodyHash, parts.signature, headers))
    })
  }

  /** The signed body hash checked, and the delivery as the router keys it. */
  function verifiedDelivery(claims: JwtClaims, bodyHash: string, signature: string, headers: VerifyInput['headers']): VerifiedDelivery {
    // Compared as text, not in constant time: the body and the signed claim are both public.
    if (typeof claims.body !== 'string' || unpadded(claims.body) !== bodyHash) {
      throw reject('body_hash_mismatch', 'the body does not match the hash signed in Upstash-Signature')
    }
    const deliveryId = getHeader(headers, 'upstash-message-id')
    if (!deliveryId) throw new VerificationError('missing_delivery_id', 'Upstash-Message-Id header is missing', 400)
    const retried = Number(getHeader(headers, 'upstash-retried') ?? 0)
    const verified: VerifiedDelivery = {
      deliveryId,
      attempt: Number.isInteger(retried) && retried >= 0 ? retried : 0,
      // `jti` is signed and fresh per signature; a token without one is bound by its own MAC.
      replayNonce: {
        value: typeof claims.jti === 'string' && claims.jti.length <= 128 ? claims.jti : signature,
        expiresAt: (claims.exp as number) + tolerance,
      },
      bodyHash,
    }
    if (typeof claims.iat === 'number') verified.timestamp = claims.iat
    return verified
  }

  return withDevKeySources(
    {
      name: 'qstash',
      matches: (headers) => getHeader(headers, 'upstash-signature') !== undefined,
      verify,
      toEvent: decodeQStashEvent,
      events: declaredEvents('qstash()', qstashSender.events, options.events),
      needsPublicUrl: options.url === undefined,
      nonRetryableStatus: 489,
      nonRetryableHeaders: { 'upstash-nonretryable-error': 'true' },
    },
    devKeys,
  )
}

// ── Signer ──────────────────────────────────────────────────────────────────
export interface SignQStashOptions {
  body: string | Uint8Array
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
  const key = options.signingKey ?? readEnv(ENV.current) ?? devSigningKeys.currentSigningKey
  const now = options.now ?? nowSeconds()
  const bodyHash = toBase64(await sha256(bytesOf(options.body)), true)
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

// ── Module ──────────────────────────────────────────────────────────────────
export const qstashSender: SenderModule<'qstash'> = {
  id: 'qstash',
  label: 'QStash',
  title: 'UploadKit, or anything published through Upstash QStash (and QStash callbacks)',
  factory: 'qstash()',
  signatureHeader: 'Upstash-Signature',
  env: [ENV.current, ENV.next],
  events: ['onUploadComplete', 'qstash.callback', 'qstash.failure'],
  dedupe: '`Upstash-Message-Id` (stable across retries, unsigned); replays are refused on the signed JWT `jti`',
  deliveryIdFromBody: false,
  eventTypeField: 'event',
  devKeys: [devSigningKeys.currentSigningKey, devSigningKeys.nextSigningKey],
  verifier: () => qstash(),
  sign: (input: SignInput) =>
    signQStash({
      body: input.body,
      url: input.url,
      messageId: input.deliveryId,
      ...(input.secret ? { signingKey: input.secret } : {}),
      ...(input.now ? { now: input.now } : {}),
    }),
}
