import { fromUtf8, utf8 } from './encoding.js'
import { RawBodyUnavailableError } from './errors.js'
import type { DeliveryBody, RawBody } from './types.js'

/** The body grew past the limit; reading stopped there. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
}

class Body implements DeliveryBody {
  #text: string | undefined
  constructor(readonly bytes: Uint8Array, text?: string) {
    this.#text = text
  }
  get text(): string {
    return (this.#text ??= fromUtf8(this.bytes))
  }
}

/**
 * Reads a raw body into memory, refusing more than `limit` bytes: a stream is abandoned
 * (cancelled) the moment it passes the limit, so an oversized upload is never buffered whole.
 */
export async function readBody(body: RawBody, limit: number): Promise<DeliveryBody> {
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
  const chunks: Uint8Array[] = []
  let total = 0
  const add = (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === 'string' ? utf8(chunk) : chunk
    total += bytes.length
    if (total > limit) throw new BodyTooLargeError(`body exceeds ${limit} bytes`)
    chunks.push(bytes)
  }
  if (typeof (body as ReadableStream).getReader === 'function') {
    const reader = (body as ReadableStream<Uint8Array>).getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        add(value)
      }
    } catch (error) {
      void reader.cancel().catch(() => {})
      throw error
    }
  } else {
    // Node request streams: iterate by hand so an oversized body does not call the
    // iterator's return(), which would destroy the socket before the 413 can be sent.
    const iterator = (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]()
    for (;;) {
      const { done, value } = await iterator.next()
      if (done) break
      add(value)
    }
  }
  if (chunks.length === 1) return new Body(chunks[0]!)
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return new Body(bytes)
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
