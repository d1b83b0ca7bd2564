// The read step: what the request line and headers alone refuse (method, content type, declared
// length), before a byte is read; then the raw body into memory, never more than `maxBodyBytes`.

import { BodyTooLargeError, RawBodyUnavailableError } from '../errors.js'
import { fromUtf8, getHeader, type MaybeAsync, utf8 } from '../runtime.js'
import type { DeliveryBody, Logger, RawBody, RawDelivery } from '../types.js'
import { refusal, refuse } from './answer.js'

const JSON_TYPE = /^(application\/(?:[\w.+-]+\+)?json|text\/json)\s*(?:;|$)/i

/** Method, content type and declared length; throws a Refusal (405, 415, 413). */
export function preflight(delivery: RawDelivery, maxBodyBytes: number): void {
  if (delivery.method !== 'POST') refuse(405, 'method_not_allowed', undefined, { allow: 'POST' })
  const contentType = getHeader(delivery.headers, 'content-type')
  // A missing content type is read anyway: QStash forwards whatever the publisher sent.
  if (contentType !== undefined && !JSON_TYPE.test(contentType)) refuse(415, 'unsupported_media_type', 'webhook bodies must be JSON')
  if (Number(getHeader(delivery.headers, 'content-length')) > maxBodyBytes)
    refuse(413, 'payload_too_large', undefined, { connection: 'close' })
}

class Body implements DeliveryBody {
  #text: string | undefined
  constructor(
    readonly bytes: Uint8Array,
    text?: string,
  ) {
    this.#text = text
  }
  get text(): string {
    if (this.#text === undefined) this.#text = fromUtf8(this.bytes)
    return this.#text
  }
}

/** A Node readable (an IncomingMessage) as far as reading it goes; duck-typed: core imports no `node:` module. */
interface NodeReadable {
  on(event: string, listener: (arg: never) => void): unknown
  pause?(): unknown
  readableEnded: boolean
  destroyed: boolean
}

/**
 * `readableEnded` and `destroyed` both false already say Readable; `pause` is left to the one
 * path that calls it, since under Express every name looked up on a request costs a runtime trip.
 */
function isLiveNodeReadable(body: object): body is NodeReadable {
  const stream = body as Partial<NodeReadable>
  return typeof stream.on === 'function' && stream.readableEnded === false && stream.destroyed === false
}

/** Chunks up to `limit` bytes in all, then the body they make. */
class Chunks {
  readonly #chunks: Uint8Array[] = []
  #total = 0
  constructor(readonly limit: number) {}
  add(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? utf8(chunk) : chunk
    this.#total += bytes.length
    if (this.#total > this.limit) throw new BodyTooLargeError(`body exceeds ${this.limit} bytes`)
    this.#chunks.push(bytes)
  }
  body(): DeliveryBody {
    if (this.#chunks.length === 1) return new Body(this.#chunks[0]!)
    const bytes = new Uint8Array(this.#total)
    let offset = 0
    for (const chunk of this.#chunks) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    return new Body(bytes)
  }
}

/**
 * Reads a Node stream through 'data'/'end' events: on Node 20 that is cheaper per request than
 * its async iterator (see test/bench/README.md), and the one promise settles with the body.
 * Past the limit the stream is paused, not destroyed, so the 413 still reaches the client; the
 * 'error' listener stays, so a client resetting the connection meanwhile cannot crash the process.
 */
function readNodeStream(stream: NodeReadable, chunks: Chunks, failure: ReadFailure): Promise<DeliveryBody> {
  return new Promise((resolve, reject) => {
    let settled = false
    // The listeners stay once it settles, and a later event does nothing: removing four per
    // request costs more than it frees, since they go with the request object.
    const finish = (error?: unknown) => {
      if (settled) return
      settled = true
      if (error === undefined) resolve(chunks.body())
      else reject(failure(error))
    }
    const onData = (chunk: Uint8Array | string) => {
      try {
        chunks.add(chunk)
      } catch (error) {
        // Looked up only here, past the limit: a stream-like body without it still gets its 413.
        if (typeof stream.pause === 'function') stream.pause()
        finish(error)
      }
    }
    const onEnd = () => finish()
    const onError = (error: unknown) => finish(error ?? new Error('the request stream failed'))
    // 'close' also comes after every body that ended: no Error (and its stack trace) for those.
    const onClose = () => settled || finish(new Error('the request closed before its body ended'))
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
    stream.on('close', onClose)
  })
}

/** A web stream, cancelled the moment it passes the limit. */
async function readWebStream(stream: ReadableStream<Uint8Array>, chunks: Chunks, failure: ReadFailure): Promise<DeliveryBody> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return chunks.body()
      chunks.add(value)
    }
  } catch (error) {
    void reader.cancel().catch(() => {})
    throw failure(error)
  }
}

/**
 * Other async iterables (and Node streams already ended), iterated by hand: an oversized body
 * then does not call the iterator's return(), which would destroy the socket before the 413.
 */
async function readIterable(body: AsyncIterable<Uint8Array | string>, chunks: Chunks, failure: ReadFailure): Promise<DeliveryBody> {
  try {
    const iterator = body[Symbol.asyncIterator]()
    for (;;) {
      const { done, value } = await iterator.next()
      if (done) return chunks.body()
      chunks.add(value)
    }
  } catch (error) {
    throw failure(error)
  }
}

/** What a read that failed rejects with: the error itself, or what `read` answers for it. */
export type ReadFailure = (error: unknown) => unknown
const asItIs: ReadFailure = (error) => error

/**
 * Reads a raw body into memory, refusing more than `limit` bytes: a stream is abandoned
 * (cancelled) the moment it passes the limit, so an oversized upload is never buffered whole.
 * Bytes and text are answered at once, a stream with a promise.
 */
export function readBody(body: RawBody, limit: number, failure: ReadFailure = asItIs): MaybeAsync<DeliveryBody> {
  if (body == null) return new Body(new Uint8Array(0), '')
  if (typeof body === 'string') {
    const bytes = utf8(body)
    if (bytes.length > limit) throw new BodyTooLargeError(`body exceeds ${limit} bytes`)
    return new Body(bytes, body)
  }
  if (body instanceof Uint8Array) {
    if (body.length > limit) throw new BodyTooLargeError(`body exceeds ${limit} bytes`)
    return new Body(body)
  }
  const chunks = new Chunks(limit)
  // Node streams first: under Express each request object has a map of its own, so every property
  // looked up on it (a `getReader` it lacks included) is a trip through V8's runtime.
  if (isLiveNodeReadable(body)) return readNodeStream(body, chunks, failure)
  if (typeof (body as ReadableStream).getReader === 'function') return readWebStream(body as ReadableStream<Uint8Array>, chunks, failure)
  return readIterable(body as AsyncIterable<Uint8Array | string>, chunks, failure)
}

/**
 * The read step: the body, or a Refusal (413 past the limit, 500 when a body parser ate it), which
 * `unreadable` (from `readFailure`, made once per router) gives. A stream's own promise rejects
 * with the refusal: a `.catch()` to map it would cost every delivery another promise and turn.
 */
export function read(body: RawBody, maxBodyBytes: number, unreadable: ReadFailure): MaybeAsync<DeliveryBody> {
  try {
    return readBody(body, maxBodyBytes, unreadable)
  } catch (error) {
    throw unreadable(error)
  }
}

/** A failed read as its Refusal, the missing raw body logged; anything else as it is. */
export function readFailure(logger: Logger): ReadFailure {
  return (error) => {
    if (error instanceof BodyTooLargeError) return refusal(413, 'payload_too_large', undefined, { connection: 'close' })
    if (error instanceof RawBodyUnavailableError) {
      logger.error(`[upload-webhooks] ${error.message}`)
      return refusal(500, 'raw_body_unavailable', error.message)
    }
    return error
  }
}

/**
 * For adapters: a body that fails with the given fix when read, because a body parser
 * consumed the raw bytes first. The router answers 500 `raw_body_unavailable` with it,
 * at once and without re-serialising anything.
 */
export function missingRawBody(fix: string): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(new RawBodyUnavailableError(fix)),
    }),
  }
}
