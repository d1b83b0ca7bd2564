// The worker as a QStash consumer route: QStash's own signature on the job is what is verified
// (the original sender's was checked at the ingress, and its timestamp is long stale by now).
// QStash's failure callback comes to the same route and dead-letters the job.
import type { DeferredJob } from '../defer/job.js'
import { parseJob } from '../defer/parse-job.js'
import { NonRetryableError, VerificationError } from '../errors.js'
import { fromBase64, fromUtf8 } from '../runtime.js'
import type { Logger, Verifier } from '../types.js'
import { JobInFlightError, type ProcessJob } from './process.js'

/** Past this a body is not a job QStash could carry (a failure callback holds one in base64). */
const MAX_BODY_BYTES = 16 * 1024 * 1024

const answer = (status: number, body: Record<string, string>, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers })

async function readBounded(request: Request): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(chunk)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return bytes
}

/** The job a failure callback reports (`sourceBody`, base64), or undefined when the body is not one. */
function failedJob(payload: Record<string, unknown>): DeferredJob | string | undefined {
  if (payload['v'] !== undefined || typeof payload['sourceBody'] !== 'string') return undefined
  const source = fromBase64(payload['sourceBody'])
  return source ? parseJob(fromUtf8(source)) : 'the failure callback has no readable sourceBody'
}

export interface QStashConsumerSettings {
  verifier: Verifier
  /** The consumer route's public URL: QStash's token must name it. */
  url: string
  process: ProcessJob
  deadLetter(job: DeferredJob, error: unknown): Promise<void>
  logger: Logger
}

export function qstashConsumer(settings: QStashConsumerSettings): (request: Request) => Promise<Response> {
  const { verifier, logger } = settings
  const refuse = () => answer(489, { status: 'error', reason: 'non_retryable' }, { 'upstash-nonretryable-error': 'true' })

  async function received(payload: Record<string, unknown>, attempt: number): Promise<Response> {
    const failed = failedJob(payload)
    if (typeof failed === 'string') {
      logger.error(`[upload-webhooks] QStash reported a failed job that is malformed (${failed})`)
      return answer(200, { status: 'ignored' })
    }
    if (failed) {
      await settings.deadLetter(failed, new Error(`QStash gave up after its retries (last answer: ${String(payload['status'])})`))
      return answer(200, { status: 'dead_lettered' })
    }
    try {
      return answer(200, { status: await settings.process(payload, { attempt }, false) })
    } catch (error) {
      if (error instanceof NonRetryableError) return refuse()
      if (error instanceof JobInFlightError) return answer(409, { status: 'error', reason: 'in_flight' })
      return answer(500, { status: 'error', reason: 'handler_failed' })
    }
  }

  return async (request) => {
    if (request.method !== 'POST') return answer(405, { status: 'error', reason: 'method_not_allowed' }, { allow: 'POST' })
    const bytes = await readBounded(request)
    if (!bytes) return answer(413, { status: 'error', reason: 'payload_too_large' })
    const body = { bytes, text: fromUtf8(bytes) }
    try {
      const input = { method: 'POST', url: request.url, publicUrl: settings.url, headers: request.headers, body }
      await verifier.verify(input)
    } catch (error) {
      if (!(error instanceof VerificationError)) throw error
      logger.warn(`[upload-webhooks] the QStash consumer refused a job: ${error.message}`, { reason: error.reason })
      return answer(error.status, { status: 'error', reason: error.reason })
    }
    let payload: unknown
    try {
      payload = JSON.parse(body.text)
    } catch {
      logger.error('[upload-webhooks] QStash delivered a job that is not JSON: refused without a retry')
      return refuse()
    }
    if (typeof payload !== 'object' || payload === null) return refuse()
    const attempt = Number(request.headers.get('upstash-retried') ?? 0)
    return received(payload as Record<string, unknown>, Number.isInteger(attempt) && attempt >= 0 ? attempt : 0)
  }
}
