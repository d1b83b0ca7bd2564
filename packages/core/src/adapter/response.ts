// Writing core's answer back: onto a Node response, or as a web Response. Status, headers and
// body pass through unchanged; adapters decide nothing here.
import type { WebhookResult } from '../types.js'

/** The parts of a Node `ServerResponse` written to. */
export interface NodeResponseLike {
  statusCode: number
  setHeader(name: string, value: string): unknown
  end(body: string): unknown
}

/**
 * Status, headers and body: status and headers are set on the response, then `end(body)` sends
 * them with a Content-Length, in one write. Calling `writeHead` first would send the headers
 * before the body is known, as a chunked response. Headers a framework already set are kept.
 */
export function writeNodeResponse(res: NodeResponseLike, result: WebhookResult): void {
  res.end(writeNodeHead(res, result))
}

/** Status and headers on a Node response whose body the framework sends (h3 v1 sends a returned string). */
export function writeNodeHead(res: Pick<NodeResponseLike, 'statusCode' | 'setHeader'>, result: WebhookResult): string {
  res.statusCode = result.status
  for (const name in result.headers) res.setHeader(name, result.headers[name]!)
  return result.body
}

/** A web framework's pending response (h3 v2's `event.res`): status and `Headers` set before the body is returned. */
export interface WebResponseHeadLike {
  status?: number
  headers: { set(name: string, value: string): unknown }
}

/**
 * Status and headers on a web framework's pending response, the body returned as a string: h3 v2
 * sends that as it is, where a returned `Response` makes Node build a web stream for its body.
 */
export function writeWebHead(res: WebResponseHeadLike, result: WebhookResult): string {
  res.status = result.status
  for (const name in result.headers) res.headers.set(name, result.headers[name]!)
  return result.body
}

export function toWebResponse(result: WebhookResult): Response {
  return new Response(result.body, { status: result.status, headers: result.headers })
}
