// Answer fast, process later (docs/architecture.md): the effect the exactly-once step runs for a
// deferred type is the engine's acknowledgement of the job, within a deadline; and a handler run
// inline that nears the sender's answer budget is said, naming `defer`.
import { type DeferEngine, type DeferredJob, jobDedupeId } from '../defer/job.js'
import { isPromiseLike } from '../runtime.js'
import type { WebhookEvent } from '../senders/registry.js'
import type { Logger, VerifiedDelivery, Verifier } from '../types.js'

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

/**
 * Runs an inline handler; one still running at 80 % of the sender's answer budget logs a warning
 * naming `defer`, since the sender then times out and retries while the first run goes on.
 */
export function withinBudget(run: () => unknown, budgetMs: number, type: string, sender: string, logger: Logger): unknown {
  const running = run()
  if (!isPromiseLike(running)) return running
  const timer = setTimeout(() => {
    logger.warn(
      `[upload-webhooks] the "${type}" handler is still running at 80% of ${sender}'s ${budgetMs / 1000} s answer budget: ` +
        "past it the sender retries while this run goes on. Hand long work to a queue with the router's `defer` option " +
        '(deferToBullMQ, deferToQStash, deferToCloudflareQueue); see core\'s README, "Long-running handlers".',
    )
  }, budgetMs * 0.8)
  ;(timer as { unref?: () => void }).unref?.()
  return Promise.resolve(running).finally(() => clearTimeout(timer))
}
