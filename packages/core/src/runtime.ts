// What core reads the same way on every runtime it runs on (Node, workerd, edge runtimes): a
// request's headers in either shape, the environment where there is one, the clock, values ready
// at once on Node and as promises elsewhere, and bytes as text without Buffer.

// ---- Headers

/** Request headers as a web `Headers` object or a Node-style lower-cased record. */
export type HeaderBag = Headers | Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * Reads one header from web `Headers` or a Node-style record. `name` must be lower-case.
 * Repeated headers come back joined with ", " (as Node joins them), so a doubled
 * signature header never verifies by accident.
 */
export function getHeader(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  const value = (headers as Record<string, string | readonly string[] | undefined>)[name]
  if (value === undefined || typeof value === 'string') return value
  return value.join(', ')
}

// ---- Environment and clock

/** An environment variable's raw value where a runtime has `process.env` (Node, Bun, Next edge); undefined elsewhere. */
export function readEnvRaw(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  return env?.[name]
}

/** An environment variable, with an empty value read as unset. */
export function readEnv(name: string): string | undefined {
  const value = readEnvRaw(name)
  return value === '' ? undefined : value
}

/** Seconds since the epoch, from the (fakeable) system clock. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

// ---- Values ready now or later: at once on Node (node:crypto, bytes a framework kept, a sync
// handler), as promises elsewhere (Web Crypto, a stream, a store). The request path awaits only real promises:
// an `await` or an `async` layer over a ready value still costs a promise and a microtask turn.

/** A value node:crypto returns at once and Web Crypto (or a stream, or a store) as a promise. */
export type MaybeAsync<T> = T | Promise<T>

/** `next(value)` now when `value` is ready, else once it is: a promise only when there was one. */
export function andThen<T, U>(value: MaybeAsync<T>, next: (value: T) => MaybeAsync<U>): MaybeAsync<U> {
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value as T)
}

/** True for any thenable, as `await` sees it: what user code (a verifier, a handler) returns may be one. */
export const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null | undefined)?.then === 'function'

// ---- Bytes and text: no Buffer, so the core entry runs on edge runtimes too

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const utf8 = (text: string): Uint8Array => encoder.encode(text)
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes)

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]
  return out
}

/** Value of one hex digit's char code, or -1. */
const nibble = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1)

/**
 * Decodes lower- or upper-case hex; undefined when the text is not hex of even length.
 * Char-code arithmetic: every HMAC header is decoded per delivery, and parseInt over
 * substrings is several times slower.
 */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) {
    const high = nibble(text.charCodeAt(2 * i))
    const low = nibble(text.charCodeAt(2 * i + 1))
    if ((high | low) < 0) return undefined
    out[i] = (high << 4) | low
  }
  return out
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_LOOKUP = new Int16Array(128).fill(-1)
for (let i = 0; i < 64; i++) B64_LOOKUP[B64.charCodeAt(i)] = i
B64_LOOKUP['-'.charCodeAt(0)] = 62
B64_LOOKUP['_'.charCodeAt(0)] = 63

/** Standard base64 with padding, or base64url without padding. */
export function toBase64(bytes: Uint8Array, url = false): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += `${B64[n >> 18]! + B64[(n >> 12) & 63]!}==`
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += `${B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]!}=`
  }
  return url ? out.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : out
}

/**
 * Decodes base64 or base64url, padded or not. Undefined on any character outside the
 * alphabet or an impossible length, so a mangled signature is rejected, never half-read.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  let end = text.length
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--
  if (text.length - end > 2 || end % 4 === 1) return undefined
  const out = new Uint8Array(Math.floor((end * 3) / 4))
  let bits = 0
  let value = 0
  let o = 0
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? B64_LOOKUP[c]! : -1
    if (v < 0) return undefined
    value = (value << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (value >> bits) & 0xff
    }
  }
  return out
}

/** A body to sign: exact text or bytes. */
export type BodyInput = string | Uint8Array
export const bytesOf = (body: BodyInput): Uint8Array => (typeof body === 'string' ? utf8(body) : body)
/** `prefix` plus 32 random hex digits: message and delivery IDs for signers, and the doctor probe's throwaway key and token. */
export const randomId = (prefix: string): string => `${prefix}${crypto.randomUUID().replace(/-/g, '')}`
/** One JWT segment: base64url of the value's JSON. */
export const jsonSegment = (value: unknown): string => toBase64(utf8(JSON.stringify(value)), true)

/** Every candidate is compared, so timing does not tell which one matched. */
export function anyEqual(mac: Uint8Array, candidates: readonly Uint8Array[], equal: (a: Uint8Array, b: Uint8Array) => boolean): boolean {
  let matched = false
  for (const candidate of candidates) if (equal(mac, candidate)) matched = true
  return matched
}

/** Text compared in constant time for equal lengths, which are public: every character is compared. */
export function equalText(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
