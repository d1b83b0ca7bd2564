// node:crypto implementation of the verification primitives: synchronous, and much cheaper
// per delivery than Web Crypto on Node (docs/architecture.md, "Crypto"). Chosen by the `node`
// export condition.
import nodeCrypto, { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual as nodeTimingSafeEqual } from 'node:crypto'
import { anyEqual, equalText } from '../runtime.js'
import type { MacEncoding } from './mac-encoding.js'

export type HmacKey = KeyObject

/** Prepares an HMAC-SHA256 key once per secret; verifiers keep it for their lifetime. */
export function importHmacKey(secret: Uint8Array): HmacKey {
  return createSecretKey(secret)
}

/** HMAC-SHA256 over `prefix` (UTF-8) followed by `data`, without concatenating them. */
export function hmacSha256(key: HmacKey, prefix: string, data?: Uint8Array): Uint8Array {
  const mac = createHmac('sha256', key)
  if (prefix) mac.update(prefix) // Uploadcare signs the bare body: skip an empty update
  if (data) mac.update(data)
  return mac.digest()
}

/**
 * HMAC-SHA256 over `prefix` + `data` as text, encoded natively: a signature is compared as this
 * text, with no Buffer made for the MAC and no signature decoded.
 */
export function hmacSha256Text(key: HmacKey, encoding: MacEncoding, prefix: string, data?: Uint8Array): string {
  const mac = createHmac('sha256', key)
  if (prefix) mac.update(prefix)
  if (data) mac.update(data)
  return mac.digest(encoding)
}

/**
 * The first key whose HMAC-SHA256 over `prefix` + `data` equals one of `candidates`, compared in
 * constant time; undefined when none does. Returns the matching MAC (a signed-content nonce).
 */
export function matchingMac(
  keys: readonly HmacKey[],
  prefix: string,
  data: Uint8Array | undefined,
  candidates: readonly Uint8Array[],
): Uint8Array | undefined {
  for (const key of keys) {
    const mac = hmacSha256(key, prefix, data)
    if (anyEqual(mac, candidates, timingSafeEqual)) return mac
  }
  return undefined
}

/**
 * The first key whose HMAC-SHA256 over `prefix` + `data` is `signature`, written in `encoding`
 * (lower-case hex, or unpadded base64url as in a JWT); undefined when none is. The MAC is encoded
 * natively and compared as text in constant time, so no bytes are decoded for it, and only the
 * canonical spelling matches: a signature cannot be re-spelled into another token that verifies.
 */
export function matchingMacText(
  keys: readonly HmacKey[],
  encoding: MacEncoding,
  prefix: string,
  data: Uint8Array | undefined,
  signature: string,
): string | undefined {
  for (const key of keys) {
    const mac = hmacSha256Text(key, encoding, prefix, data)
    if (equalText(mac, signature)) return mac
  }
  return undefined
}

// crypto.hash() (Node 20.12+) digests in one call, without building a Hash object per body.
const oneShotHash = typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined

export function sha256(data: Uint8Array | string): Uint8Array {
  return oneShotHash ? oneShotHash('sha256', data, 'buffer') : createHash('sha256').update(data).digest()
}

/** SHA-256 as unpadded base64url, encoded natively: the form QStash signs and records are bound to. */
export function sha256Base64Url(data: Uint8Array): string {
  return oneShotHash ? oneShotHash('sha256', data, 'base64url') : createHash('sha256').update(data).digest('base64url')
}

/** A plain digest over several parts without concatenating them (Cloudinary signs body + timestamp + secret). */
export function digest(algorithm: 'sha1' | 'sha256', ...parts: (Uint8Array | string)[]): Uint8Array {
  const hash = createHash(algorithm)
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/** Constant-time for equal lengths; lengths are public (every MAC here has a fixed size). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && nodeTimingSafeEqual(a, b)
}

/**
 * Decoding space for `base64UrlText`: `Buffer.from(text)` takes its bytes from Node's shared
 * pool, and refilling that pool cost more per delivery than the decode itself (bench README).
 */
const scratch = Buffer.allocUnsafeSlow(2048)

/** UTF-8 text of a base64url segment, decoded natively (lenient: only used after the signature verified). */
export function base64UrlText(segment: string): string {
  // base64 holds 3 bytes in 4 characters: a segment this short always fits.
  if (segment.length > (scratch.length / 3) * 4) return Buffer.from(segment, 'base64url').toString('utf8')
  return scratch.toString('utf8', 0, scratch.write(segment, 'base64url'))
}

/** The same bytes as a Buffer, without copying them, for Buffer's native encoders. */
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** base64url without padding, natively: fingerprints and nonces are encoded per delivery. */
export function base64Url(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64url')
}

/** Lower-case hex, natively: the delivery ID of a sender that sends none. */
export function hex(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('hex')
}
