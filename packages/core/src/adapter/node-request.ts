// Node requests (Express, h3 v1, srvx under h3 v2, Next's Pages Router) as a RawDelivery body:
// bytes a framework kept, the untouched stream, or a body that fails with the framework's fix.
import { missingRawBody } from '../steps/read.js'
import type { RawBody } from '../types.js'

/** The parts of a Node request the toolkit reads. */
export interface NodeRequestLike {
  readableEnded?: boolean
}

/** True for bytes, text or a web stream: a body the router can verify as is. */
export const isRawBody = (value: unknown): value is Uint8Array | string | ReadableStream<Uint8Array> =>
  value instanceof Uint8Array || typeof value === 'string' || typeof (value as ReadableStream | undefined)?.getReader === 'function'

/**
 * The one message every adapter gives when the raw body is gone: what read it, and the
 * framework's own fix. Signatures cover the exact bytes, so a re-serialised body never verifies.
 */
export function consumedBodyMessage(framework: string, fix: string): string {
  return `${framework}: the request body was read before uploadWebhooks, and signatures cover the raw bytes. Fix: ${fix}`
}

export interface NodeBodyOptions {
  /**
   * Raw bytes or text a framework or body parser kept, in order of preference; the first raw one
   * wins. As a function it is asked only once the stream has been read, and an unread stream is
   * the body: for frameworks whose kept bytes only a read can make (Express's body parsers), so an
   * unread request costs no lookups of them. Default: none.
   */
  kept?: readonly unknown[] | (() => readonly unknown[])
  /** True when something already consumed the stream (a parsed `req.body`, a framework flag). */
  consumed?: boolean
  /** The framework's name and its fix, for the error when the bytes are gone. */
  framework: string
  fix: string
}

/**
 * Kept bytes, else the live stream, else a body that answers 500 `raw_body_unavailable` with the
 * fix; with `kept` a function, an unread stream comes first.
 */
export function nodeRequestBody(req: NodeRequestLike, options: NodeBodyOptions): RawBody {
  const { kept = [] } = options
  if (typeof kept === 'function' && req.readableEnded === false) return req as unknown as RawBody
  for (const candidate of typeof kept === 'function' ? kept() : kept) if (isRawBody(candidate)) return candidate
  if (options.consumed || req.readableEnded) return missingRawBody(consumedBodyMessage(options.framework, options.fix))
  return req as unknown as RawBody
}

/** The body of a web `Request`, or the fix when it was already read. */
export function webRequestBody(request: Request, framework: string, fix: string): RawBody {
  return request.bodyUsed ? missingRawBody(consumedBodyMessage(framework, fix)) : request.body
}
