// The one crypto contract every verifier uses: node:crypto answers synchronously, Web Crypto
// with promises; these helpers await only what is a promise, so the Node path costs no tick.
import { type HmacKey, hmacSha256, hmacSha256Text, timingSafeEqual } from '#crypto'
import { isPromiseLike, type MaybeAsync } from '../runtime.js'
import type { MacEncoding } from './mac-encoding.js'

/**
 * The first key whose HMAC-SHA256 over `prefix` + `data` equals one of `candidates`, compared
 * in constant time; undefined when none does. Returns the matching MAC (a signed-content nonce).
 * Synchronous while the MACs are (node:crypto): callers await only a promise, so verifying on
 * Node costs no microtask for it.
 */
export function matchingMac(
  keys: readonly HmacKey[],
  prefix: string,
  data: Uint8Array | undefined,
  candidates: readonly Uint8Array[],
): MaybeAsync<Uint8Array | undefined> {
  return firstMatch(
    keys,
    (key) => hmacSha256(key, prefix, data),
    (mac) => anyEqual(mac, candidates),
  )
}

/**
 * The first key whose HMAC-SHA256 over `prefix` + `data` is `signature`, written in `encoding`
 * (lower-case hex, or unpadded base64url as in a JWT); undefined when none is. The MAC is
 * encoded natively and compared as text in constant time: no bytes are decoded or allocated for
 * it. Only the canonical spelling matches, so a signature cannot be re-spelled into another
 * token that verifies.
 */
export function matchingMacText(
  keys: readonly HmacKey[],
  encoding: MacEncoding,
  prefix: string,
  data: Uint8Array | undefined,
  signature: string,
): MaybeAsync<string | undefined> {
  return firstMatch(
    keys,
    (key) => hmacSha256Text(key, encoding, prefix, data),
    (mac) => equalText(mac, signature),
  )
}

/** Tries the keys in order; synchronous until a MAC is a promise (Web Crypto). */
function firstMatch<M>(
  keys: readonly HmacKey[],
  macOf: (key: HmacKey) => MaybeAsync<M>,
  matches: (mac: M) => boolean,
): MaybeAsync<M | undefined> {
  for (let i = 0; i < keys.length; i++) {
    const mac = macOf(keys[i]!)
    if (isPromiseLike(mac)) return firstMatchAsync(keys, i, mac, macOf, matches)
    if (matches(mac)) return mac
  }
  return undefined
}

/** The same search from key `index` on, whose MAC is already being computed. */
async function firstMatchAsync<M>(
  keys: readonly HmacKey[],
  index: number,
  pending: Promise<M>,
  macOf: (key: HmacKey) => MaybeAsync<M>,
  matches: (mac: M) => boolean,
): Promise<M | undefined> {
  for (let i = index; i < keys.length; i++) {
    const mac = i === index ? await pending : await macOf(keys[i]!)
    if (matches(mac)) return mac
  }
  return undefined
}

/** Every candidate is compared, so timing does not tell which one matched. */
function anyEqual(mac: Uint8Array, candidates: readonly Uint8Array[]): boolean {
  let matched = false
  for (const candidate of candidates) if (timingSafeEqual(mac, candidate)) matched = true
  return matched
}

/** Constant-time for equal lengths, which are public: every character is compared. */
function equalText(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
