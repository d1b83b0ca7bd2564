// Answer fast, process later (docs/architecture.md): the effect the exactly-once step runs for a
// deferred type is the engine's acknowledgement of the job, within a deadline.
import { type DeferEngine, type DeferredJob, jobDedupeId } from '../defer/job.js'
import type { WebhookEvent } from '../senders/registry.js'
import type { VerifiedDelivery, Verifier } from '../types.js'

/** The engine did not acknowledge the job in time, or refused it: the answer is 503 `enqueue_failed`. */
export class EnqueueFailed extends Error {
  override readonly name = 'EnqueueFailed'
}

export interface Deferral {
  engine: DeferEngine
  /** Types handed to the engine; the other handled types run inline. */
  types: ReadonlySet<string>
  timeoutMs: number
}

/** The job for this delivery, as the worker reads it. */
export function jobOf(event: WebhookEvent, verifier: Verifier, verified: VerifiedDelivery): DeferredJob {
  return { v: 1, deliveryId: verified.deliveryId, sender: verifier.name, type: event.type, event, receivedAt: new Date().toISOString() }
}

/** Resolves once the engine holds the job; an `EnqueueFailed` when it refuses or misses the deadline (then the signal aborts). */
export async function enqueue(deferral: Deferral, job: DeferredJob): Promise<void> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new EnqueueFailed(
        `${deferral.engine.name} did not acknowledge the job within enqueueTimeoutMs (${deferral.timeoutMs} ms)`,
      )
      controller.abort(error)
      reject(error)
    }, deferral.timeoutMs)
  })
  const request = { job, dedupeId: jobDedupeId(job.sender, job.deliveryId), signal: controller.signal }
  try {
    await Promise.race([deferral.engine.enqueue(request), deadline])
  } catch (error) {
    if (error instanceof EnqueueFailed) throw error
    throw new EnqueueFailed(`${deferral.engine.name} refused the job: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    })
  } finally {
    clearTimeout(timer)
  }
}
