/**
 * The one HTTP helper both QStash dynamic providers use. It must stay self-contained
 * (global `fetch` only, no imports): Pulumi serialises each provider together with every
 * function it references, and runs that text later in a separate process.
 */

/** A QStash API call that did not answer 2xx, with a message an operator can act on. */
export class QStashApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`QStash ${method} ${path} failed with HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}. ${qstashErrorHint(status)}`)
    this.name = 'QStashApiError'
  }
}

function qstashErrorHint(status: number): string {
  if (status === 401 || status === 403) {
    return 'Check the QStash token (upload-webhooks:qstashToken) and that upload-webhooks:qstashRegion matches it: EU and US tokens are not interchangeable.'
  }
  if (status === 404) return 'The resource does not exist in this QStash region.'
  if (status === 429) return 'QStash rate limit reached; run the update again in a minute.'
  if (status >= 500) return 'QStash is failing; nothing was changed on our side, retry the update.'
  return 'The request was rejected; see the message above.'
}

export interface QStashRequest {
  baseUrl: string
  token: string
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  body?: unknown
}

/**
 * Calls the QStash REST API and returns the parsed JSON body (or `undefined` for an empty
 * body). Non-2xx answers throw {@link QStashApiError}; the token never appears in a message.
 */
export async function qstashRequest<T = unknown>(req: QStashRequest): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${req.token}` }
  if (req.body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(`${req.baseUrl.replace(/\/+$/, '')}${req.path}`, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    })
  } catch (err) {
    throw new Error(`QStash ${req.method} ${req.path} could not be sent to ${req.baseUrl}: ${String(err)}`)
  }
  const text = await res.text()
  if (!res.ok) throw new QStashApiError(req.method, req.path, res.status, text)
  if (!text) return undefined as T
  try {
    return JSON.parse(text) as T
  } catch {
    return text as T
  }
}
