// The consumer route's rows in the delivery log: after the webhook route's `202 accepted`, what
// became of the job when QStash delivered it (`200 processed`, `200 duplicate`, a refusal).
import type { DeliveryReport, DeliveryVerdict, RejectionReason } from '@upload-webhooks/core'
import { recordDelivery } from './delivery-log.js'

interface Answer {
  status?: string
  reason?: RejectionReason
}

/** Reasons the worker gives only after QStash's signature checked out; any other refusal came before it. */
const AFTER_VERIFICATION: ReadonlySet<string> = new Set(['in_flight', 'handler_failed', 'non_retryable'])

const text = (value: unknown) => (typeof value === 'string' ? value : undefined)

/** The job's sender, type and delivery ID; a failure callback carries the job in `sourceBody`. */
function jobFields(body: string): Pick<DeliveryReport, 'sender' | 'type' | 'deliveryId'> {
  try {
    let job = JSON.parse(body) as Record<string, unknown>
    if (typeof job.sourceBody === 'string') job = JSON.parse(Buffer.from(job.sourceBody, 'base64').toString('utf8'))
    return { sender: text(job.sender), type: text(job.type), deliveryId: text(job.deliveryId) }
  } catch {
    return {}
  }
}

function outcomeOf(status: number, answer: Answer): DeliveryVerdict {
  if (status >= 500) return 'error'
  if (status >= 400) return 'rejected'
  // A dead letter: QStash gave up on the job, its handler never succeeded.
  if (answer.status === 'dead_lettered') return 'error'
  return answer.status === 'duplicate' || answer.status === 'ignored' ? answer.status : 'processed'
}

/**
 * Records one consumer answer. The job's fields are shown only once QStash's signature checked
 * out: a forged job's claims are never logged as if they were a delivery.
 */
export async function recordJob(request: Request, response: Response, at: Date, started: number): Promise<void> {
  const answer = (await response
    .clone()
    .json()
    .catch(() => ({}))) as Answer
  const verified = answer.status !== 'error' || AFTER_VERIFICATION.has(answer.reason ?? '')
  const retried = Number(request.headers.get('upstash-retried') ?? 0)
  const report: DeliveryReport = {
    at: at.toISOString(),
    status: response.status,
    outcome: outcomeOf(response.status, answer),
    ...(answer.reason ? { reason: answer.reason } : {}),
    ...(verified ? { ...jobFields(await request.text()), attempt: Number.isInteger(retried) ? retried : 0 } : {}),
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
  }
  recordDelivery(report)
}
