// The exactly-once lifecycle, apart from HTTP: claim the delivery (and its replay nonce) in one
// round trip, run the effect, then commit in one more; release the claim when the effect fails so
// the sender's retry runs it, and keep retrying a failed commit while the claim lasts.
// docs/architecture.md, "Dedupe protocol", has the states and why each step is there.
import { isPromiseLike, type MaybeAsync } from './maybe-async.js'
import type { ClaimOutcome, DedupeStore, Logger, NonceClaim } from './types.js'

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

export interface ExactlyOnceOptions {
  store: DedupeStore
  lockSeconds: number
  ttlSeconds: number
  /** Run the effect without dedupe when the store is down (`onStoreError: 'process'`). */
  failOpen: boolean
  logger: Logger
}

const PROCESSED: DeliveryOutcome = Object.freeze({ kind: 'processed' })
const DUPLICATE: DeliveryOutcome = Object.freeze({ kind: 'duplicate' })

/** Told about store failures, including those the outcome does not show (a failed commit). */
export type StoreErrorReport = (error: unknown) => void

export interface ExactlyOnce {
  /** Runs `effect` at most once per claim key across every process sharing the store. */
  run(claim: DeliveryClaim, effect: () => unknown, report: StoreErrorReport): MaybeAsync<DeliveryOutcome>
  /** Claims and at once releases a throwaway key: whether the store answers. Keeps nothing. */
  probe(claim: DeliveryClaim, report: StoreErrorReport): Promise<boolean>
}

export function exactlyOnce(options: ExactlyOnceOptions): ExactlyOnce {
  // `options.store` is read per call: the router swaps in a timed store once telemetry loads.
  const { lockSeconds, ttlSeconds, logger } = options

  // Claim, effect and commit continue at once when each answers at once (memoryStore(), a sync
  // handler), and through a promise only where one waits: each `await` costs a promise and a turn.
  function run(claim: DeliveryClaim, effect: () => unknown, report: StoreErrorReport): MaybeAsync<DeliveryOutcome> {
    let claiming: MaybeAsync<ClaimOutcome>
    try {
      claiming = options.store.claim(claim.key, claim.token, lockSeconds, claim.nonce)
    } catch (error) {
      return storeDown(error, effect, report)
    }
    if (!isPromiseLike(claiming)) return afterClaim(claiming, claim, effect, report)
    return Promise.resolve(claiming).then(
      (outcome) => afterClaim(outcome, claim, effect, report),
      (error: unknown) => storeDown(error, effect, report),
    )
  }

  function storeDown(error: unknown, effect: () => unknown, report: StoreErrorReport): MaybeAsync<DeliveryOutcome> {
    report(error)
    if (!options.failOpen) return { kind: 'store-unavailable', error }
    logger.warn('[upload-webhooks] dedupe store unreachable; processing without dedupe (onStoreError: process)', { error })
    return runEffect(undefined, effect, report)
  }

  function afterClaim(
    outcome: ClaimOutcome,
    claim: DeliveryClaim,
    effect: () => unknown,
    report: StoreErrorReport,
  ): MaybeAsync<DeliveryOutcome> {
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

  function runEffect(claim: DeliveryClaim | undefined, effect: () => unknown, report: StoreErrorReport): MaybeAsync<DeliveryOutcome> {
    let running: unknown
    try {
      running = effect()
    } catch (error) {
      return failed(claim, error)
    }
    if (!isPromiseLike(running)) return committed(claim, report)
    return Promise.resolve(running).then(
      () => committed(claim, report),
      (error: unknown) => failed(claim, error),
    )
  }

  /** Gives the claim back so the sender's retry runs the effect again. */
  async function failed(claim: DeliveryClaim | undefined, error: unknown): Promise<DeliveryOutcome> {
    if (claim) {
      try {
        await options.store.release(claim.key, claim.token)
      } catch (storeError) {
        logger.error('[upload-webhooks] could not release a claim; it expires after lockSeconds', { key: claim.key, error: storeError })
      }
    }
    return { kind: 'failed', error }
  }

  /** The effect happened: it counts as processed even if the commit fails (the sender then stops retrying). */
  function committed(claim: DeliveryClaim | undefined, report: StoreErrorReport): MaybeAsync<DeliveryOutcome> {
    if (!claim) return PROCESSED
    let committing: MaybeAsync<boolean>
    try {
      committing = options.store.commit(claim.key, claim.token, ttlSeconds)
    } catch (storeError) {
      return commitFailed(claim, storeError, report)
    }
    if (!isPromiseLike(committing)) return PROCESSED
    return Promise.resolve(committing).then(
      () => PROCESSED,
      (storeError: unknown) => commitFailed(claim, storeError, report),
    )
  }

  function commitFailed(claim: DeliveryClaim, storeError: unknown, report: StoreErrorReport): DeliveryOutcome {
    logger.error('[upload-webhooks] could not mark a delivery done; retrying while its claim lasts', { key: claim.key, error: storeError })
    report(storeError)
    retryCommit(claim)
    return PROCESSED
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
      const timer = setTimeout(() => {
        // The executor turns a store that throws at once into a rejection, as a promise would.
        new Promise<boolean>((resolve) => resolve(options.store.commit(claim.key, claim.token, ttlSeconds))).then(
          (committed) =>
            committed && logger.info?.('[upload-webhooks] marked a delivery done after the store came back', { key: claim.key }),
          () => {
            delay = Math.min(delay * 2, 2000)
            schedule()
          },
        )
      }, delay)
      // Never keeps a Node process alive just for this.
      ;(timer as { unref?: () => void }).unref?.()
    }
    schedule()
  }

  return {
    run,
    async probe(claim, report) {
      try {
        const outcome = await options.store.claim(claim.key, claim.token, 1)
        if (outcome.state === 'claimed') await options.store.release(claim.key, claim.token)
        return true
      } catch (error) {
        report(error)
        return false
      }
    },
  }
}
