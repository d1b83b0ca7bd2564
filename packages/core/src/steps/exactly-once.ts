// The exactly-once step: where a delivery lives in the store (its key, a token bound to the body,
// its replay nonce), then claim it and its nonce in one round trip, run the effect, and commit in
// one more; release the claim when the effect fails so the sender's retry runs it, and keep
// retrying a failed commit while the claim lasts. docs/architecture.md, "Dedupe protocol", has the
// states and why each step is there.
import { base64Url, sha256Base64Url } from '#crypto'
import { nowSeconds, randomId } from '../runtime.js'
import { claimToken, joined } from '../stores/protocol.js'
import type { ClaimOutcome, DedupeStore, DeliveryBody, Logger, NonceClaim, VerifiedDelivery, Verifier } from '../types.js'

/** One delivery's place in the store. */
export interface DeliveryClaim {
  key: string
  /** `claim:<fingerprint>:<random>`, unique per attempt. */
  token: string
  nonce?: NonceClaim
}

export type DeliveryOutcome =
  | { kind: 'processed' }
  | { kind: 'duplicate' }
  | { kind: 'in-flight'; retryAfterSeconds: number }
  | { kind: 'conflict' }
  | { kind: 'replayed' }
  | { kind: 'store-unavailable'; error: unknown }
  | { kind: 'failed'; error: unknown }

/** Where one sender's records live, each namespace followed by a delivery ID, a nonce or a random probe ID. */
export interface KeySpace {
  /** `<prefix>:<sender>:` */
  deliveries: string
  /** `<prefix>~nonce:<sender>:` */
  nonces: string
  /** `<prefix>~doctor:<sender>:`, the doctor's throwaway claims. */
  probes: string
}

/**
 * Each sender's namespaces, joined once. Delivery keys are `<prefix>:…` and our own keys
 * `<prefix>~…`: a delivery ID is unsigned text, so no ID can name a nonce or probe key.
 */
export function keySpacesOf(keyPrefix: string, verifiers: readonly Verifier[]): ReadonlyMap<Verifier, KeySpace> {
  const space = (v: Verifier): KeySpace => ({
    deliveries: joined(keyPrefix, ':', v.name, ':'),
    nonces: joined(keyPrefix, '~nonce:', v.name, ':'),
    probes: joined(keyPrefix, '~doctor:', v.name, ':'),
  })
  return new Map(verifiers.map((v) => [v, space(v)]))
}

export interface ExactlyOnceOptions {
  /** The store to use now: the router swaps in a timed one once telemetry loads. */
  store: () => DedupeStore
  keySpaces: ReadonlyMap<Verifier, KeySpace>
  lockSeconds: number
  ttlSeconds: number
  /** Run the effect without dedupe when the store is down (`onStoreError: 'process'`). */
  failOpen: boolean
  logger: Logger
}

/** Told about store failures, including those the outcome does not show (a failed commit). */
export type StoreErrorReport = (error: unknown) => void

export interface ExactlyOnce {
  /** This delivery's claim: its key, a token bound to the body, and its replay nonce. */
  claimFor(verifier: Verifier, verified: VerifiedDelivery, body: DeliveryBody): Promise<DeliveryClaim>
  /** Runs `effect` at most once per claim key across every process sharing the store. */
  run(claim: DeliveryClaim, effect: () => unknown, report: StoreErrorReport): Promise<DeliveryOutcome>
  /** `upload-webhooks doctor`: claims and at once releases a throwaway key. Whether the store answers; keeps nothing. */
  probe(verifier: Verifier, report: StoreErrorReport): Promise<boolean>
}

const PROCESSED: DeliveryOutcome = Object.freeze({ kind: 'processed' })
const DUPLICATE: DeliveryOutcome = Object.freeze({ kind: 'duplicate' })

/**
 * Claim tokens only need to be unique: a random per-process prefix and a counter, not a UUID each.
 * 72 random bits tell processes apart; the memory store keeps every token, so each byte counts.
 * Drawn on first use, not at import: workerd refuses randomness in global scope.
 */
let claimPrefix: string | undefined
let claims = 0
const nextClaimId = () => {
  claimPrefix ??= base64Url(crypto.getRandomValues(new Uint8Array(9)))
  return `${claimPrefix}${(claims++).toString(36)}`
}

export function exactlyOnce(options: ExactlyOnceOptions): ExactlyOnce {
  const { keySpaces, lockSeconds, ttlSeconds, logger } = options

  async function claimFor(verifier: Verifier, verified: VerifiedDelivery, body: DeliveryBody): Promise<DeliveryClaim> {
    const space = keySpaces.get(verifier)!
    // The verifier's own hash when it made one (QStash, and every sender keyed by its body).
    const fingerprint = verified.bodyHash ?? (await sha256Base64Url(body.bytes))
    const claim: DeliveryClaim = { key: joined(space.deliveries, verified.deliveryId), token: claimToken(fingerprint, nextClaimId()) }
    const nonce = verified.replayNonce
    if (nonce) {
      // Kept until the signature expires, and not a second less.
      const ttlSeconds = Math.max(1, nonce.expiresAt - nowSeconds() + 1)
      claim.nonce = { key: joined(space.nonces, nonce.value), owner: verified.deliveryId, ttlSeconds }
    }
    return claim
  }

  async function run(claim: DeliveryClaim, effect: () => unknown, report: StoreErrorReport): Promise<DeliveryOutcome> {
    let outcome: ClaimOutcome
    try {
      outcome = await options.store().claim(claim.key, claim.token, lockSeconds, claim.nonce)
    } catch (error) {
      report(error)
      if (!options.failOpen) return { kind: 'store-unavailable', error }
      logger.warn('[upload-webhooks] dedupe store unreachable; processing without dedupe (onStoreError: process)', { error })
      return runEffect(undefined, effect, report)
    }
    switch (outcome.state) {
      case 'claimed':
        return runEffect(claim, effect, report)
      case 'done':
        return DUPLICATE
      case 'in-flight':
        return { kind: 'in-flight', retryAfterSeconds: outcome.retryAfterSeconds }
      case 'conflict':
      case 'replayed':
        return { kind: outcome.state }
    }
  }

  async function runEffect(claim: DeliveryClaim | undefined, effect: () => unknown, report: StoreErrorReport): Promise<DeliveryOutcome> {
    try {
      await effect()
    } catch (error) {
      if (claim) await release(claim)
      return { kind: 'failed', error }
    }
    if (claim) await commit(claim, report)
    return PROCESSED
  }

  /** Gives the claim back so the sender's retry runs the effect again. */
  async function release(claim: DeliveryClaim): Promise<void> {
    try {
      await options.store().release(claim.key, claim.token)
    } catch (storeError) {
      logger.error('[upload-webhooks] could not release a claim; it expires after lockSeconds', { key: claim.key, error: storeError })
    }
  }

  /** The effect happened: it counts as processed even if the commit fails (the sender then stops retrying). */
  async function commit(claim: DeliveryClaim, report: StoreErrorReport): Promise<void> {
    try {
      await options.store().commit(claim.key, claim.token, ttlSeconds)
    } catch (storeError) {
      logger.error('[upload-webhooks] could not mark a delivery done; retrying while its claim lasts', {
        key: claim.key,
        error: storeError,
      })
      report(storeError)
      retryCommit(claim)
    }
  }

  /**
   * After a failed commit the claim still locks the delivery for up to `lockSeconds`; if the store
   * comes back (with its data) within that time, writing `done` keeps a later duplicate from running
   * the effect a second time. Runs in the background and stops at the first answer: commit is
   * compare-and-set, so an expired or taken-over claim is left alone.
   */
  function retryCommit(claim: DeliveryClaim) {
    const deadline = Date.now() + lockSeconds * 1000
    let delay = 100
    const schedule = () => {
      if (Date.now() + delay > deadline) return
      const timer = setTimeout(async () => {
        try {
          if (await options.store().commit(claim.key, claim.token, ttlSeconds)) {
            logger.info?.('[upload-webhooks] marked a delivery done after the store came back', { key: claim.key })
          }
        } catch {
          delay = Math.min(delay * 2, 2000)
          schedule()
        }
      }, delay)
      // Never keeps a Node process alive just for this.
      ;(timer as { unref?: () => void }).unref?.()
    }
    schedule()
  }

  async function probe(verifier: Verifier, report: StoreErrorReport): Promise<boolean> {
    const key = joined(keySpaces.get(verifier)!.probes, randomId(''))
    const token = claimToken('doctor', randomId(''))
    try {
      const outcome = await options.store().claim(key, token, 1)
      if (outcome.state === 'claimed') await options.store().release(key, token)
      return true
    } catch (error) {
      report(error)
      return false
    }
  }

  return { claimFor, run, probe }
}
