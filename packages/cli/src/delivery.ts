// Signs a body exactly as a sender does (its registry record's `sign()`) and POSTs it, timing the answer.
import type { Sender } from './senders.js'

export interface DeliveryInput {
  sender: Sender
  url: string
  /** Exact body text: repeats post the same bytes. */
  body: string
  /** Undefined: core's default key for that sender. */
  secret: string | undefined
  deliveryId: string
  /** Extra headers (QStash's `Upstash-Retried` on a repeat). */
  headers?: Record<string, string>
}

export async function signedRequest(input: DeliveryInput): Promise<Request> {
  const signed = await input.sender.sign({
    body: input.body,
    url: input.url,
    deliveryId: input.deliveryId,
    ...(input.secret === undefined ? {} : { secret: input.secret }),
  })
  const headers = { 'content-type': 'application/json', ...signed, ...input.headers }
  return new Request(input.url, { method: 'POST', headers, body: input.body })
}

/** What one POST (or GET) got back. */
export interface Answer {
  /** HTTP status; undefined when no answer came. */
  status?: number
  /** The router's `status` field: processed, duplicate, ignored, rejected, error. */
  outcome?: string
  /** The router's `reason` code on a refusal. */
  reason?: string
  message?: string
  /** Response headers worth showing (Allow, Location, Retry-After). */
  headers: Record<string, string>
  /** The first 200 characters of a body that is not the router's JSON. */
  bodyText?: string
  ms: number
  /** Set when no HTTP answer came (refused, DNS, timeout, TLS). */
  networkError?: { code: string; message: string }
}

const shownHeaders = ['allow', 'location', 'retry-after', 'content-type']

async function readAnswer(response: Response, started: number): Promise<Answer> {
  const text = await response.text()
  const answer: Answer = { status: response.status, headers: {}, ms: Math.round(performance.now() - started) }
  for (const name of shownHeaders) {
    const value = response.headers.get(name)
    if (value !== null) answer.headers[name] = value
  }
  try {
    const body = JSON.parse(text) as Record<string, unknown>
    if (typeof body['status'] === 'string') answer.outcome = body['status']
    if (typeof body['reason'] === 'string') answer.reason = body['reason']
    if (typeof body['message'] === 'string') answer.message = body['message']
  } catch {
    // Not the router's JSON: some other layer answered.
  }
  if (answer.outcome === undefined && text !== '') answer.bodyText = text.slice(0, 200)
  return answer
}

function networkError(error: unknown): { code: string; message: string } {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return { code: 'TIMEOUT', message: 'no answer before the timeout' }
  const cause = err.cause
  return { code: cause?.code ?? err.name ?? 'ERROR', message: cause?.message ?? err.message ?? String(error) }
}

/** Sends a request and never throws for network trouble: the answer says what happened. */
export async function exchange(request: Request, timeoutMs: number): Promise<Answer> {
  const started = performance.now()
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' })
    return await readAnswer(response, started)
  } catch (error) {
    return { headers: {}, ms: Math.round(performance.now() - started), networkError: networkError(error) }
  }
}

/** `200 processed`, `401 wrong_url`, `ECONNREFUSED`: the short form of an answer for tables. */
export function summarise(answer: Answer): string {
  if (answer.networkError) return answer.networkError.code
  const detail = answer.reason ?? answer.outcome ?? ''
  return `${answer.status}${detail ? ` ${detail}` : ''}`
}
