// The dedupe protocol's wire format, shared by every store (docs/architecture.md, "Dedupe protocol").
// A key holds a claim token (a handler is running) or a done marker (processed); both carry the
// body's fingerprint. A nonce key holds the delivery ID its signature first came with.
import type { ClaimOutcome } from '../types.js'

export { StoreUnavailableError } from '../errors.js'

/** Value of a processed delivery, written by records from before fingerprints existed. */
export const DONE = 'done'

/**
 * One flat string from its parts. `+` and template literals leave V8 a tree of the pieces, and a
 * store that keeps the string (memoryStore()) keeps the whole tree: an object per piece.
 */
export const joined = (...parts: string[]): string => parts.join('')

/** A claim token: `claim:<fingerprint>:<random>`. */
export const claimToken = (fingerprint: string, random: string): string => joined('claim:', fingerprint, ':', random)

/** The done marker that replaces `token` on commit: `done:<fingerprint>` (or `done` for a legacy token). */
export function doneValue(token: string): string {
  const fingerprint = fingerprintOf(token)
  return fingerprint === undefined ? DONE : `${DONE}:${fingerprint}`
}

/** The fingerprint in a claim token or done marker; undefined for legacy values without one. */
function fingerprintOf(value: string): string | undefined {
  const first = value.indexOf(':')
  if (first < 0) return undefined
  const second = value.indexOf(':', first + 1)
  if (value.startsWith('claim:')) return second < 0 ? undefined : value.slice(first + 1, second)
  return value.startsWith('done:') ? value.slice(first + 1) : undefined
}

/** `KEYS[1]` still holds our token `ARGV[1]` → set it to `ARGV[3]` (done) for `ARGV[2]` seconds. */
export const COMMIT_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[2]) return 1 end return 0`

/** `KEYS[1]` still holds our token `ARGV[1]` → delete it. */
export const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end return 0`

/** Deletes `KEYS[1]` whatever it holds (a dead-lettered delivery's ingress record). */
export const FORGET_SCRIPT = `return redis.call('DEL', KEYS[1])`

/**
 * Nonce and claim in one atomic step (single-node Redis, Upstash). `KEYS[1]` the delivery,
 * `KEYS[2]` the nonce; `ARGV`: token, lock seconds, owner (delivery ID), nonce seconds.
 * Answers `{0}` for a replay (nothing written), else `{1, previous value of KEYS[1]}`.
 */
export const CLAIM_WITH_NONCE_SCRIPT = `local owner = redis.call('SET', KEYS[2], ARGV[3], 'NX', 'EX', ARGV[4], 'GET')
if owner and owner ~= ARGV[3] then return {0} end
local previous = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2], 'GET')
if previous then return {1, previous} end
return {1}`

/** Maps the value a set-if-absent found to a claim outcome, comparing fingerprints. */
export function claimOutcome(previous: unknown, token: string, lockSeconds: number): ClaimOutcome {
  if (previous === null || previous === undefined || previous === false) return { state: 'claimed' }
  const found = String(previous)
  const theirs = fingerprintOf(found)
  const ours = fingerprintOf(token)
  if (theirs !== undefined && ours !== undefined && theirs !== ours) return { state: 'conflict' }
  if (found === DONE || found.startsWith('done:')) return { state: 'done' }
  return { state: 'in-flight', retryAfterSeconds: lockSeconds }
}

/** Reads the claim-with-nonce script's answer. */
export function nonceClaimOutcome(reply: unknown, token: string, lockSeconds: number): ClaimOutcome {
  const [ok, previous] = Array.isArray(reply) ? reply : []
  if (Number(ok) !== 1) return { state: 'replayed' }
  return claimOutcome(previous, token, lockSeconds)
}
