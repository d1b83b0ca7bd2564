// Sends a corpus case either straight into router.handle() (a web Request) or over a real
// socket with node:http, byte for byte: repeated header lines stay separate lines.
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import type { HostileCase } from './corpus.js'

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

const CHUNK = 64 * 1024
/**
 * A request over 1 MiB is refused before it is read (431 for a header over Node's limit, 413 for
 * a Content-Length over core's), and the server closes at once. A client writing all of it races
 * that close: its write can fail (EPIPE, a reset) before it has read the answer. Such a request
 * goes out on a socket: its first chunk, then, unless an answer came within this wait, the rest.
 */
const EARLY_ANSWER_BYTES = 1024 * 1024
const EARLY_ANSWER_MS = 250

function bytesOf(body: HostileCase['body']): Uint8Array | undefined {
  if (body === null) return undefined
  return typeof body === 'string' ? new TextEncoder().encode(body) : body
}

/** The case as a web `Request` (a streamed body becomes a ReadableStream of 64 KiB chunks). */
export function toRequest(
  c: Pick<HostileCase, 'method' | 'headers' | 'body' | 'streamed'>,
  url = 'http://127.0.0.1/api/webhooks',
): Request {
  const headers = new Headers()
  for (const [name, value] of c.headers) headers.append(name, value)
  const bytes = bytesOf(c.body)
  let body: BodyInit | undefined = bytes as BodyInit | undefined
  if (bytes && c.streamed) {
    let offset = 0
    body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close()
        controller.enqueue(bytes.subarray(offset, offset + CHUNK))
        offset += CHUNK
      },
    })
  }
  return new Request(url, { method: c.method, headers, body, duplex: 'half' } as RequestInit)
}

/** What Node's HTTP client lets through in a header value; an attacker's client sends anything else too. */
const CLIENT_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/

/** Over HTTP/1.1 on a fresh connection. Resolves with the answer even if the server closes while the body is still going out (413). */
export function sendRaw(url: string, c: Pick<HostileCase, 'method' | 'headers' | 'body' | 'streamed'>): Promise<Answer> {
  const target = new URL(url)
  const bytes = bytesOf(c.body)
  const large =
    !c.streamed && c.headers.reduce((n, [name, value]) => n + name.length + value.length, bytes?.length ?? 0) > EARLY_ANSWER_BYTES
  if (large || !c.headers.every(([, value]) => CLIENT_SAFE.test(value))) return sendOverSocket(target, c.method, c.headers, bytes, large)
  const flat: string[] = ['host', target.host, 'connection', 'close']
  for (const [name, value] of c.headers) flat.push(name, value)
  if (bytes && !c.streamed) flat.push('content-length', String(bytes.length))
  if (bytes && c.streamed) flat.push('transfer-encoding', 'chunked')
  return new Promise<Answer>((resolve, reject) => {
    let answered = false
    const req = httpRequest({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: c.method,
      headers: flat,
      agent: false,
    })
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer within 15 s (${c.method} ${url})`)))
    req.on('response', (res) => {
      answered = true
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', (error) => {
      if (!answered) reject(error)
    })
    if (!bytes) return void req.end()
    if (!c.streamed) return void req.end(bytes)
    let offset = 0
    const pump = () => {
      while (offset < bytes.length) {
        const chunk = bytes.subarray(offset, offset + CHUNK)
        offset += CHUNK
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
}

/**
 * Writes the request byte for byte on a socket (header values as Latin-1), for header bytes Node's
 * client refuses to send and for requests over 1 MiB, and reads the answer's status line and
 * everything after the headers. A reset after the answer arrived still resolves with it.
 */
function sendOverSocket(
  target: URL,
  method: string,
  headers: [string, string][],
  body: Uint8Array | undefined,
  staged: boolean,
): Promise<Answer> {
  const lines = [`${method} ${target.pathname} HTTP/1.1`, `host: ${target.host}`, 'connection: close']
  for (const [name, value] of headers) lines.push(`${name}: ${value}`)
  if (body) lines.push(`content-length: ${body.length}`)
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
  return new Promise<Answer>((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname)
    const chunks: Buffer[] = []
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no answer within 15 s (${method} ${target.href})`)))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (error) => chunks.length === 0 && reject(error))
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)
      resolve({ status, headers: {}, body: end < 0 ? '' : text.slice(end + 4) })
    })
    const request = body ? Buffer.concat([head, body]) : head
    if (!staged) return void socket.end(request)
    socket.write(request.subarray(0, CHUNK))
    setTimeout(() => (chunks.length > 0 ? socket.end() : socket.end(request.subarray(CHUNK))), EARLY_ANSWER_MS)
  })
}
