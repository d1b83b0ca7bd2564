// fast-check arbitraries for random mutations of a valid delivery: body bytes, header values,
// header presence. Applied to a freshly signed delivery per run.
import { senders } from '@upload-webhooks/core/testing'
import fc from 'fast-check'
import { SENDER_KINDS, type SenderKind } from './events.js'

export type Mutation =
  | { op: 'flipBodyByte'; at: number; xor: number }
  | { op: 'insertBodyByte'; at: number; byte: number }
  | { op: 'deleteBodyByte'; at: number }
  | { op: 'truncateBody'; keep: number }
  | { op: 'appendBody'; bytes: Uint8Array }
  | { op: 'setHeader'; which: number; value: string }
  | { op: 'changeHeaderChar'; which: number; at: number; char: string }
  | { op: 'truncateHeader'; which: number; keep: number }
  | { op: 'dropHeader'; which: number }
  | { op: 'duplicateHeader'; which: number; value: string | undefined }
  | { op: 'addHeader'; name: string; value: string }

export interface Delivery {
  headers: [string, string][]
  body: Uint8Array
}

/** Characters a header value may carry on the wire (visible ASCII and Latin-1; no CR, LF, NUL). */
const headerChar = fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0xa1, max: 0xff })).map((c) => String.fromCharCode(c))
const headerValue = fc.string({ unit: headerChar, maxLength: 80 })
/** Other senders' headers (every registry sender's signature header) and generic ones, so verifier selection gets confused too. */
const extraHeaderName = fc.constantFrom(
  ...senders.map((sender) => sender.signatureHeader.toLowerCase()),
  'upstash-message-id',
  'upstash-retried',
  'x-sonuslab-delivery',
  'webhook-id',
  'webhook-timestamp',
  'x-cld-timestamp',
  'svix-signature',
  'content-type',
  'content-length',
  'transfer-encoding',
  'x-junk',
)

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flipBodyByte' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('insertBodyByte' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('deleteBodyByte' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('truncateBody' as const), keep: fc.nat() }),
  fc.record({ op: fc.constant('appendBody' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('setHeader' as const), which: fc.nat(), value: headerValue }),
  fc.record({ op: fc.constant('changeHeaderChar' as const), which: fc.nat(), at: fc.nat(), char: headerChar }),
  fc.record({ op: fc.constant('truncateHeader' as const), which: fc.nat(), keep: fc.nat() }),
  fc.record({ op: fc.constant('dropHeader' as const), which: fc.nat() }),
  fc.record({ op: fc.constant('duplicateHeader' as const), which: fc.nat(), value: fc.option(headerValue, { nil: undefined }) }),
  fc.record({ op: fc.constant('addHeader' as const), name: extraHeaderName, value: headerValue }),
)

export const caseArb = fc.record({
  kind: fc.constantFrom<SenderKind>(...SENDER_KINDS),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
})

// Transport-level headers are the HTTP client's business; the fuzzer leaves framing intact.
const FRAMING = new Set(['content-length', 'transfer-encoding', 'host', 'connection'])

export function applyMutations(delivery: Delivery, mutations: readonly Mutation[]): Delivery {
  let body = delivery.body
  let headers = delivery.headers.map(([n, v]) => [n, v] as [string, string])
  const pick = (which: number) => (headers.length === 0 ? -1 : which % headers.length)
  for (const m of mutations) {
    switch (m.op) {
      case 'flipBodyByte':
        if (body.length > 0) {
          const at = m.at % body.length
          body = body.slice()
          body[at] = body[at]! ^ m.xor
        }
        break
      case 'insertBodyByte': {
        const at = m.at % (body.length + 1)
        body = Uint8Array.from([...body.subarray(0, at), m.byte, ...body.subarray(at)])
        break
      }
      case 'deleteBodyByte':
        if (body.length > 0) {
          const at = m.at % body.length
          body = Uint8Array.from([...body.subarray(0, at), ...body.subarray(at + 1)])
        }
        break
      case 'truncateBody':
        body = body.subarray(0, m.keep % (body.length + 1))
        break
      case 'appendBody':
        body = Uint8Array.from([...body, ...m.bytes])
        break
      case 'setHeader': {
        const i = pick(m.which)
        if (i >= 0) headers[i] = [headers[i]![0], m.value]
        break
      }
      case 'changeHeaderChar': {
        const i = pick(m.which)
        if (i >= 0 && headers[i]![1].length > 0) {
          const value = headers[i]![1]
          const at = m.at % value.length
          headers[i] = [headers[i]![0], value.slice(0, at) + m.char + value.slice(at + 1)]
        }
        break
      }
      case 'truncateHeader': {
        const i = pick(m.which)
        if (i >= 0) headers[i] = [headers[i]![0], headers[i]![1].slice(0, m.keep % (headers[i]![1].length + 1))]
        break
      }
      case 'dropHeader': {
        const i = pick(m.which)
        if (i >= 0) headers.splice(i, 1)
        break
      }
      case 'duplicateHeader': {
        const i = pick(m.which)
        if (i >= 0) headers.push([headers[i]![0], m.value ?? headers[i]![1]])
        break
      }
      case 'addHeader':
        if (!FRAMING.has(m.name)) headers.push([m.name, m.value])
        break
    }
  }
  // Header values travel trimmed (fetch and Node both strip surrounding whitespace).
  headers = headers.map(([n, v]) => [n, v.trim()])
  return { headers, body }
}

export const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b))
