// Web Crypto implementation of the verification primitives, for edge runtimes, workers,
// Bun and Deno. Chosen by the default export condition; same contract as ./node.ts.

export type HmacKey = Promise<CryptoKey>

/** Prepares an HMAC-SHA256 key once per secret; verifiers keep it for their lifetime. */
export function importHmacKey(secret: Uint8Array): HmacKey {
  return crypto.subtle.importKey('raw', secret as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
}

import { anyEqual, equalText, fromBase64, toBase64, toHex } from '../runtime.js'
import type { MacEncoding } from './mac-encoding.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const asBytes = (data: Uint8Array | string): Uint8Array<ArrayBuffer> =>
  (typeof data === 'string' ? encoder.encode(data) : data) as Uint8Array<ArrayBuffer>

/** HMAC-SHA256 over `prefix` (UTF-8) followed by `data`. */
export async function hmacSha256(key: HmacKey, prefix: string, data?: Uint8Array): Promise<Uint8Array> {
  let message = asBytes(prefix)
  if (data && data.length > 0) {
    const joined = new Uint8Array(message.length + data.length)
    joined.set(message)
    joined.set(data, message.length)
    message = joined
  }
  return new Uint8Array(await crypto.subtle.sign('HMAC', await key, message))
}

/** HMAC-SHA256 over `prefix` + `data` as text: what a signature is compared as. */
export async function hmacSha256Text(key: HmacKey, encoding: MacEncoding, prefix: string, data?: Uint8Array): Promise<string> {
  const mac = await hmacSha256(key, prefix, data)
  return encoding === 'hex' ? toHex(mac) : toBase64(mac, true)
}

/** The first key whose HMAC-SHA256 over `prefix` + `data` equals one of `candidates` (./node.ts has the contract). */
export async function matchingMac(
  keys: readonly HmacKey[],
  prefix: string,
  data: Uint8Array | undefined,
  candidates: readonly Uint8Array[],
): Promise<Uint8Array | undefined> {
  for (const key of keys) {
    const mac = await hmacSha256(key, prefix, data)
    if (anyEqual(mac, candidates, timingSafeEqual)) return mac
  }
  return undefined
}

/** The first key whose HMAC-SHA256 over `prefix` + `data` is `signature` as text (./node.ts has the contract). */
export async function matchingMacText(
  keys: readonly HmacKey[],
  encoding: MacEncoding,
  prefix: string,
  data: Uint8Array | undefined,
  signature: string,
): Promise<string | undefined> {
  for (const key of keys) {
    const mac = await hmacSha256Text(key, encoding, prefix, data)
    if (equalText(mac, signature)) return mac
  }
  return undefined
}

export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', asBytes(data)))
}

/** SHA-256 as unpadded base64url: the form QStash signs and records are bound to. */
export async function sha256Base64Url(data: Uint8Array): Promise<string> {
  return toBase64(await sha256(data), true)
}

/** A plain digest over the parts, concatenated (Cloudinary signs body + timestamp + secret). */
export async function digest(algorithm: 'sha1' | 'sha256', ...parts: (Uint8Array | string)[]): Promise<Uint8Array> {
  const chunks = parts.map(asBytes)
  const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.length
  }
  return new Uint8Array(await crypto.subtle.digest(algorithm === 'sha1' ? 'SHA-1' : 'SHA-256', joined))
}

/** Constant-time for equal lengths; lengths are public (every MAC here has a fixed size). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/** UTF-8 text of a base64url segment; undefined when it is not base64url. */
export function base64UrlText(segment: string): string | undefined {
  const bytes = fromBase64(segment)
  return bytes && decoder.decode(bytes)
}

/** base64url without padding. */
export function base64Url(bytes: Uint8Array): string {
  return toBase64(bytes, true)
}

/** Lower-case hex. */
export function hex(bytes: Uint8Array): string {
  return toHex(bytes)
}
