/**
 * The one HTTP helper both QStash dynamic providers use. It must stay self-contained
 * (global `fetch` only, no imports): Pulumi serialises each provider together with every
 * function it references, and runs that text later in a separate process.
 *
 * Errors are plain `Error` objects with fields attached, never a subclass: Pulumi's closure
 * serialiser rewrites `class X extends Error` into a function that calls `Error.call(this, …)`,
 * which never sets `message`, and the provider host reports only `e.message` to the CLI.
 */

/** A QStash API call that failed: an `Error` whose message names the operation, the status and the fix. */
export interface QStashApiError extends Error {
  name: 'QStashApiError'
  /** What the provider was doing, e.g. `create URL group "uploads"`. */
  operation: string
  method: string
  path: string
  /** HTTP status; `0` when the request never got an answer (network error). */
  status: number
  body: string
}

/** True for errors thrown by {@link qstashRequest}; works on errors from serialised providers too. */
export function isQStashApiError(err: unknown): err is QStashApiError {
  return err instanceof Error && err.name === 'QStashApiError' && typeof (err as { status?: unknown }).status === 'number'
}

/** What to do about a failed QStash call, by status. */
export function qstashErrorFix(status: number): string {
  if (status === 0) {
    return 'check the network, and that upload-webhooks:qstashRegion (or the baseUrl you passed) is a reachable QStash region, then run `pulumi up` again.'
  }
  if (status === 401) {
    return 'set the QStash token of this region (`pulumi config set --secret upload-webhooks:qstashToken <token>`) and check that upload-webhooks:qstashRegion matches it: EU and US tokens are not interchangeable.'
  }
  if (status === 403) {
    return 'the token may not do this: use the region’s main QStash token from the Upstash console (not a read-only or other-account token) in upload-webhooks:qstashToken, and check your plan’s limits.'
  }
  if (status === 404) {
    return 'it does not exist in this QStash region: check upload-webhooks:qstashRegion, or run `pulumi refresh` if it was deleted in the console.'
  }
  if (status === 429) return 'QStash rate limit reached: wait a minute, then run `pulumi up` again.'
  if (status >= 500) return 'QStash is failing on its side: run `pulumi up` again later (the providers are safe to re-run).'
  return 'QStash rejected the request: correct the input its message names, then run `pulumi up` again.'
}

function qstashApiError(req: QStashRequest, status: number, body: string, detail: string): QStashApiError {
  const err = new Error(`QStash: ${req.operation} failed (${detail}). Fix: ${qstashErrorFix(status)}`) as QStashApiError
  err.name = 'QStashApiError'
  err.operation = req.operation
  err.method = req.method
  err.path = req.path
  err.status = status
  err.body = body
  return err
}

export interface QStashRequest {
  /** What this call does, for the error message, e.g. `create URL group "uploads"`. */
  operation: string
  baseUrl: string
  token: string
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  body?: unknown
}

/**
 * Calls the QStash REST API and returns the parsed JSON body (or `undefined` for an empty
 * body). Non-2xx answers and network errors throw a {@link QStashApiError}; the token never
 * appears in a message.
 */
export async function qstashRequest<T = unknown>(req: QStashRequest): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${req.token}` }
  if (req.body !== undefined) headers['content-type'] = 'application/json'
  const baseUrl = req.baseUrl.replace(/\/+$/, '')
  let res: Response
  try {
    res = await fetch(`${baseUrl}${req.path}`, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    })
  } catch (err) {
    const cause = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err)
    throw qstashApiError(req, 0, '', `${req.method} ${baseUrl}${req.path} got no answer: ${cause}`)
  }
  const text = await res.text()
  if (!res.ok) {
    const body = text.slice(0, 300)
    throw qstashApiError(req, res.status, text, `${req.method} ${req.path} answered HTTP ${res.status}${body ? `: ${body}` : ''}`)
  }
  if (!text) return undefined as T
  try {
    return JSON.parse(text) as T
  } catch {
    return text as T
  }
}
