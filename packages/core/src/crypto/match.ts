// The one crypto contract every verifier uses: node:crypto answers synchronously, Web Crypto
// with promises; these helpers await only what is a promise, so the Node path costs no tick.
import { type HmacKey, hmacSha256, timingSafeEqual } from '#crypto'

/** A value node:crypto returns at once and Web Crypto as a promise. */
export type MaybeAsync<T> = T | Promise<T>

/** Resolves a maybe-async value; the sync branch stays sync for callers that check first. */
export const settle = async <T>(value: MaybeAsync<T>): Promise<T> => (value instanceof Promise ? await value : value)

/**
 * The first key whose HMAC-SHA256 over `prefix` + `data` equals one of `candidates`, compared
 * in constant time; undefined when none does. Returns the matching MAC (a signed-content nonce).
 */
export async function matchingMac(
  keys: readonly HmacKey[],
  prefix: string,
  data: Uint8Array | undefined,
  candidates: readonly Uint8Array[],
): Promise<Uint8Array | undefined> {
  for (const key of keys) {
    const computed = hmacSha256(key, prefix, data)
    const mac = computed instanceof Uint8Array ? computed : await computed
    let matched = false
    // Every candidate is compared, so timing does not tell which one matched.
    for (const candidate of candidates) if (timingSafeEqual(mac, candidate)) matched = true
    if (matched) return mac
  }
  return undefined
}
