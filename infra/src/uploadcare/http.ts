/**
 * The Uploadcare REST API client of the webhook dynamic provider. Self-contained for the same
 * reason as `../qstash/http.ts`: Pulumi serialises the provider with every function it
 * references and runs that text in a separate process. `node:crypto` is a builtin, which the
 * serialiser turns into a plain `require`.
 *
 * Errors are plain `Error` objects with fields attached: a subclass of Error loses its message
 * once Pulumi has serialised it.
 */
import crypto from 'node:crypto'

/** REST API version this client speaks, sent in `Accept` on every call. */
export const UPLOADCARE_ACCEPT = 'application/vnd.uploadcare-v0.7+json'

/** `simple`: `Uploadcare.Simple public:secret`. `signed`: an HMAC-SHA1 signature per request; the secret key never leaves the machine. */
export type UploadcareAuth = 'simple' | 'signed'

/** An Uploadcare API call that failed: an `Error` whose message names the operation, the status and the fix. */
export interface UploadcareApiError extends Error {
  name: 'UploadcareApiError'
  operation: string
  method: string
  path: string
  /** HTTP status; `0` when the request never got an answer. */
  status: number
  body: string
}

export function isUploadcareApiError(err: unknown): err is UploadcareApiError {
  return err instanceof Error && err.name === 'UploadcareApiError' && typeof (err as { status?: unknown }).status === 'number'
}

/** What to do about a failed Uploadcare call, by status. */
export function uploadcareErrorFix(status: number): string {
  if (status === 0) return 'check the network and the Uploadcare API URL, then run `pulumi up` again.'
  if (status === 401) {
    return 'set the project’s keys: `pulumi config set --path upload-webhooks:uploadcare.publicKey <public-key>` and `pulumi config set --secret --path upload-webhooks:uploadcare.secretKey <secret-key>` (Dashboard → API keys; both from the same project).'
  }
  if (status === 403)
    return 'this key may not manage webhooks: use a secret key with REST API access, or check that the project’s plan includes webhooks.'
  if (status === 404) return 'the webhook no longer exists (deleted in the dashboard?): run `pulumi refresh`, then `pulumi up`.'
  if (status === 406) return `Uploadcare no longer accepts "${UPLOADCARE_ACCEPT}": upgrade @upload-webhooks/infra.`
  if (status === 429) return 'Uploadcare rate limit reached: wait a minute, then run `pulumi up` again.'
  if (status >= 500) return 'Uploadcare is failing on its side: run `pulumi up` again later (the provider is safe to re-run).'
  return 'Uploadcare rejected the request: correct what its message names (e.g. upload-webhooks:uploadcare.events, the target URL), then run `pulumi up` again.'
}

export interface UploadcareRequest {
  /** What this call does, for the error message, e.g. `subscribe https://… to file.uploaded`. */
  operation: string
  /** REST API base URL, e.g. `https://api.uploadcare.com`. */
  baseUrl: string
  publicKey: string
  secretKey: string
  auth: UploadcareAuth
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Path with its trailing slash, e.g. `/webhooks/`. */
  path: string
  /** Sent as `application/x-www-form-urlencoded`, as the API reference documents. */
  form?: Record<string, string>
}

function uploadcareApiError(req: UploadcareRequest, status: number, body: string, detail: string): UploadcareApiError {
  const err = new Error(`Uploadcare: ${req.operation} failed (${detail}). Fix: ${uploadcareErrorFix(status)}`) as UploadcareApiError
  err.name = 'UploadcareApiError'
  err.operation = req.operation
  err.method = req.method
  err.path = req.path
  err.status = status
  err.body = body
  return err
}

/** Headers that authenticate one request under `req.auth`. */
export function uploadcareAuthHeaders(req: UploadcareRequest, contentType: string, body: string, date: string): Record<string, string> {
  if (req.auth === 'simple') return { authorization: `Uploadcare.Simple ${req.publicKey}:${req.secretKey}` }
  const contentMd5 = crypto.createHash('md5').update(body).digest('hex')
  const signString = [req.method, contentMd5, contentType, date, req.path].join('\n')
  const signature = crypto.createHmac('sha1', req.secretKey).update(signString).digest('hex')
  return { authorization: `Uploadcare ${req.publicKey}:${signature}`, 'x-uploadcare-date': date }
}

/**
 * Calls the Uploadcare REST API and returns the parsed JSON body (or `undefined` when empty).
 * Non-2xx answers and network errors throw an {@link UploadcareApiError}; keys never appear in
 * a message.
 */
export async function uploadcareRequest<T = unknown>(req: UploadcareRequest): Promise<T> {
  const body = req.form ? new URLSearchParams(req.form).toString() : ''
  const contentType = req.form ? 'application/x-www-form-urlencoded' : ''
  const headers: Record<string, string> = {
    accept: UPLOADCARE_ACCEPT,
    ...(contentType ? { 'content-type': contentType } : {}),
    ...uploadcareAuthHeaders(req, contentType, body, new Date().toUTCString()),
  }
  const url = `${req.baseUrl.replace(/\/+$/, '')}${req.path}`
  let res: Response
  try {
    res = await fetch(url, { method: req.method, headers, ...(req.form ? { body } : {}) })
  } catch (err) {
    const cause = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err)
    throw uploadcareApiError(req, 0, '', `${req.method} ${url} got no answer: ${cause}`)
  }
  const text = await res.text()
  if (!res.ok) {
    const shown = text.slice(0, 300)
    throw uploadcareApiError(req, res.status, text, `${req.method} ${req.path} answered HTTP ${res.status}${shown ? `: ${shown}` : ''}`)
  }
  if (!text) return undefined as T
  try {
    return JSON.parse(text) as T
  } catch {
    return text as T
  }
}
