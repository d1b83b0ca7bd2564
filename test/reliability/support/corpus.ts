// The hostile corpus: requests that must be refused (or, for types without a handler, ignored)
// with the status docs/architecture.md names, never reaching a handler and never writing a store key.
// Every sender in core's registry gets the generic classes; signing goes through its registry signer.
import { createHash, createHmac } from 'node:crypto'
import { devSecret, devSigningKeys, devStandardWebhooksSecret, senderById } from '@upload-webhooks/core/testing'
import { PUBLIC_URL } from './constants.js'
import { BODY_FORMATS, type EventSpec, makeEvents, SENDER_KINDS, type SenderKind, signAttempt, signBody } from './events.js'
import { invalidIdCases } from './invalid-ids.js'
import { craftJwt, qstashClaims } from './jwt.js'

export interface HostileCase {
  name: string
  sender: SenderKind | 'none'
  method: string
  /** In order; a name may repeat (sent as separate header lines over HTTP, appended in a web `Headers`). */
  headers: [string, string][]
  body: string | Uint8Array | null
  /** Send the body without a Content-Length (chunked / a stream), so the limit is found while reading. */
  streamed?: boolean
  /** Status docs/architecture.md names. */
  status: number
  /** The `reason` the router's JSON names, when one is expected. */
  reason?: string
  /** Where a real Node HTTP server answers before the router runs (431 for oversized headers, 400 for control bytes). */
  httpStatus?: number
  /** Text the answer must not contain (an untrusted delivery ID is never echoed back). */
  notEchoed?: string
}

const MiB = 1024 * 1024
const now = () => Math.floor(Date.now() / 1000)
/** A wrong key every sender's signer takes (Standard Webhooks needs the `whsec_<base64>` form). */
const WRONG_SECRET = `whsec_${Buffer.from('a different 32-byte signing key!').toString('base64')}`

/** Seconds each timestamped sender tolerates either way (its verifier's default). */
const TIMESTAMP_TOLERANCE: Partial<Record<SenderKind, number>> = { sonuslab: 300, 'standard-webhooks': 300, cloudinary: 7200 }

export const entries = (headers: Record<string, string>): [string, string][] => Object.entries(headers)
export const replace = (headers: [string, string][], name: string, value: string | undefined): [string, string][] => {
  const kept = headers.filter(([n]) => n !== name)
  return value === undefined ? kept : [...kept, [name, value]]
}
const outputValue = (headers: [string, string][], name: string) => headers.find(([n]) => n === name)?.[1] ?? ''

/**
 * A body of the given sender's format whose event type is `type`, in the place that sender
 * writes it, led by a literal `"__proto__"` key (JSON text: an object literal would set the prototype instead).
 */
function bodyWithType(kind: SenderKind, type: string, extra: Record<string, unknown> = {}): string {
  const fields = { ...BODY_FORMATS[kind].body(type, 'x', 0), ...extra }
  return JSON.stringify(fields).replace(/^\{/, '{"__proto__":{"polluted":true},')
}

/** Signs an arbitrary body (text or exact bytes) as `kind` would, as header pairs. */
const signed = async (kind: SenderKind, body: string | Uint8Array, id: string, secret?: string) =>
  entries(await signBody(kind, body, id, secret ? { secret } : {}))

function flipChar(text: string, at: number): string {
  const c = text.charCodeAt(at)
  return text.slice(0, at) + String.fromCharCode(c === 0x61 ? 0x62 : 0x61) + text.slice(at + 1)
}

/** Deep nesting: `{"a":{"a":...}}` (objects) or `[[[...]]]` (arrays), `depth` levels. */
const nested = (depth: number, array = false) =>
  array ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`

async function senderCases(kind: SenderKind): Promise<HostileCase[]> {
  const cases: HostileCase[] = []
  let n = 0
  // Each case gets its own valid event (distinct body and delivery id) so dedupe cannot hide anything.
  const fresh = async () => {
    const spec = makeEvents(`hostile-${kind}-${n++}`, SENDER_KINDS.length).find((e) => e.kind === kind)!
    return { spec, headers: entries(await signAttempt(spec)) }
  }
  const add = (name: string, c: Omit<HostileCase, 'name' | 'sender' | 'method'> & { method?: string }) =>
    cases.push({ name: `${kind}: ${name}`, sender: kind, method: 'POST', ...c })
  const sigHeader = senderById(kind)!.signatureHeader.toLowerCase()

  // Body tampering after signing.
  for (const [label, mutate] of [
    ['tampered body (one character)', (b: string) => flipChar(b, Math.floor(b.length / 2))],
    ['body with a trailing space', (b: string) => `${b} `],
    ['body with a leading newline', (b: string) => `\n${b}`],
    ['truncated body', (b: string) => b.slice(0, -1)],
    ['body re-serialised with spaces', (b: string) => JSON.stringify(JSON.parse(b), null, 1)],
    ['file id swapped in the body', (b: string) => b.replace(/hostile-/g, 'hijack-')],
    ['empty body', () => ''],
  ] as const) {
    const { spec, headers } = await fresh()
    add(label, { headers, body: mutate(spec.body), status: 401 })
  }

  // Signature mangling.
  for (const [label, mutate] of [
    // Base64 padding carries no bits, so "one character" means one significant one.
    ['signature truncated by one character', (s: string) => s.replace(/=+$/, '').slice(0, -1)],
    ['signature cut in half', (s: string) => s.slice(0, Math.floor(s.length / 2))],
    ['signature padded with 00', (s: string) => `${s}00`],
    ['signature padded with AAAA', (s: string) => `${s}AAAA`],
    ['signature with a character flipped', (s: string) => flipChar(s, s.length - 3)],
    ['empty signature header', () => ''],
    ['signature of whitespace', () => '   '],
    ['signature header of 4 KiB junk', () => 'v1='.concat('f'.repeat(4096))],
  ] as const) {
    const { spec, headers } = await fresh()
    const value = mutate(outputValue(headers, sigHeader))
    // An empty or blank header counts as absent for the sender that owns it.
    add(label, { headers: replace(headers, sigHeader, value), body: spec.body, status: 401 })
  }
  {
    const { spec, headers } = await fresh()
    add('signature header missing', {
      headers: replace(headers, sigHeader, undefined),
      body: spec.body,
      status: 401,
      reason: 'missing_signature',
    })
  }
  {
    // 20 KiB header line: Node refuses it (431) before any framework; the router alone answers 401.
    const { spec, headers } = await fresh()
    add('oversized signature header (20 KiB)', {
      headers: replace(headers, sigHeader, `${outputValue(headers, sigHeader)}${'A'.repeat(20_000)}`),
      body: spec.body,
      status: 401,
      httpStatus: 431,
    })
  }
  {
    // Two signature lines (Node joins them with ", "): never verifies by accident.
    const { spec, headers } = await fresh()
    const other = (await fresh()).headers
    add('duplicate signature header (valid + another valid)', {
      headers: [...headers, [sigHeader, outputValue(other, sigHeader)]],
      body: spec.body,
      status: 401,
    })
  }

  // Wrong keys.
  {
    const { spec } = await fresh()
    const headers = await signed(kind, spec.body, spec.deliveryId, WRONG_SECRET)
    add('signed with the wrong key', { headers, body: spec.body, status: 401, reason: 'invalid_signature' })
  }

  // Wrong methods, with an otherwise valid delivery.
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
    const { spec, headers } = await fresh()
    add(`method ${method}`, { method, headers, body: method === 'GET' ? null : spec.body, status: 405, reason: 'method_not_allowed' })
  }

  // Content types that are not JSON, with a valid signature.
  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonp',
    'text/html; charset=utf-8',
    'application/xml',
  ]) {
    const { spec, headers } = await fresh()
    add(`content-type ${type}`, {
      headers: replace(headers, 'content-type', type),
      body: spec.body,
      status: 415,
      reason: 'unsupported_media_type',
    })
  }

  // Bodies over the 1 MiB default, declared and streamed.
  for (const streamed of [false, true]) {
    const big = JSON.stringify({ event: 'onUploadComplete', pad: 'x'.repeat(MiB) })
    const headers = await signed(kind, big, `big-${kind}-${streamed}`)
    add(`body over the limit (${streamed ? 'streamed' : 'Content-Length'})`, {
      headers,
      body: big,
      streamed,
      status: 413,
      reason: 'payload_too_large',
    })
  }

  // Validly signed bodies that are not an event.
  for (const [label, body] of [
    ['non-JSON body', 'this is not json'],
    ['truncated JSON', '{"event":"onUploadComplete","file":{'],
    ['JSON array', '[{"event":"onUploadComplete"}]'],
    ['JSON string', '"onUploadComplete"'],
    ['JSON null', 'null'],
    ['empty object', '{}'],
    ['deeply nested objects (20k levels)', nested(20_000)],
    ['deeply nested arrays (100k levels)', nested(100_000, true)],
    [
      '__proto__ key hiding the event type',
      '{"__proto__":{"event":"onUploadComplete","type":"file.uploaded","hook":{"event":"file.uploaded"}}}',
    ],
    ['constructor.prototype key', '{"constructor":{"prototype":{"event":"onUploadComplete","polluted":true}}}'],
    ['invalid UTF-8 bytes', new Uint8Array([0x7b, 0x22, 0x65, 0xff, 0xfe, 0x22, 0x7d])],
  ] as const) {
    const headers = await signed(kind, body, `nonevent-${kind}-${n++}`)
    add(`signed ${label}`, { headers, body, status: 400 })
  }
  {
    // Unsigned and deep: refused at the signature, before any parsing.
    const { headers } = await fresh()
    add('unsigned deeply nested JSON', { headers, body: nested(50_000), status: 401 })
  }

  // Event types that name Object.prototype members (or are just unknown): ignored, no handler, no key.
  for (const type of [
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'outputValue',
    '__defineGetter__',
    'isPrototypeOf',
    'prototype',
  ]) {
    const body = bodyWithType(kind, type, { data: { file: { id: `proto-${type}` } } })
    const headers = await signed(kind, body, `proto-${kind}-${type}`)
    add(`event type "${type}"`, { headers, body, status: 200 })
  }
  {
    const body = bodyWithType(kind, 'unknown.deep', { data: JSON.parse(nested(2_000)) })
    add('unknown event type with a deep payload', { headers: await signed(kind, body, `deep-${kind}`), body, status: 200 })
  }

  // Timestamps outside the tolerance, correctly signed for that time (replays and the future).
  const tolerance = TIMESTAMP_TOLERANCE[kind]
  if (tolerance !== undefined) {
    // Margins past the tolerance: the corpus is built once and sent for a while afterwards.
    for (const [label, offset] of [
      [`replayed (timestamp tolerance + 1 min old)`, -(tolerance + 60)],
      [`replayed (timestamp tolerance + 1 h old)`, -(tolerance + 3600)],
      ['replayed (timestamp 30 days old)', -30 * 86400],
      [`future timestamp (tolerance + 1 min)`, tolerance + 60],
      [`future timestamp (tolerance + 1 day)`, tolerance + 86400],
    ] as const) {
      const { spec } = await fresh()
      const headers = entries(await signAttempt(spec, { now: now() + offset }))
      add(label, { headers, body: spec.body, status: 401, reason: 'signature_expired' })
    }
    for (const [label, stamp] of [
      ['timestamp zero', '0'],
      ['negative timestamp', '-5'],
      ['13-digit timestamp', '1'.repeat(13)],
      ['timestamp with a fraction', `${now()}.5`],
    ] as const) {
      const { spec } = await fresh()
      add(label, { headers: signedAtStamp(kind, spec, stamp), body: spec.body, status: 401 })
    }
  }

  if (kind === 'sonuslab') {
    const { spec, headers } = await fresh()
    add('delivery id header missing', {
      headers: replace(headers, 'x-sonuslab-delivery', undefined),
      body: spec.body,
      status: 400,
      reason: 'missing_delivery_id',
    })
    const second = await fresh()
    const sig = outputValue(second.headers, sigHeader)
    add('two timestamps in one header', {
      headers: replace(second.headers, sigHeader, `t=${now()},${sig}`),
      body: second.spec.body,
      status: 401,
      reason: 'malformed_signature',
    })
    const third = await fresh()
    add('v0 scheme instead of v1', {
      headers: replace(third.headers, sigHeader, outputValue(third.headers, sigHeader).replace('v1=', 'v0=')),
      body: third.spec.body,
      status: 401,
    })
  }

  if (kind === 'uploadcare') {
    for (const [label, mutate] of [
      ['v2= scheme', (s: string) => s.replace('v1=', 'v2=')],
      ['scheme prefix missing', (s: string) => s.slice(3)],
      ['SHA-256 of the body instead of an HMAC', () => ''],
    ] as const) {
      const { spec, headers } = await fresh()
      const value = label.startsWith('SHA-256')
        ? `v1=${createHash('sha256').update(spec.body).digest('hex')}`
        : mutate(outputValue(headers, sigHeader))
      add(label, { headers: replace(headers, sigHeader, value), body: spec.body, status: 401 })
    }
  }

  if (kind === 'standard-webhooks') {
    for (const [label, header, mutate] of [
      ['webhook-id changed after signing', 'webhook-id', (v: string) => `${v}x`],
      ['webhook-timestamp changed after signing', 'webhook-timestamp', (v: string) => String(Number(v) + 1)],
      ['webhook-id missing', 'webhook-id', () => undefined],
      ['webhook-timestamp missing', 'webhook-timestamp', () => undefined],
      ['v2 signature scheme', 'webhook-signature', (v: string) => v.replace('v1,', 'v2,')],
      [
        '50 bogus signatures in the list',
        'webhook-signature',
        () => Array.from({ length: 50 }, (_, i) => `v1,${Buffer.alloc(32, i).toString('base64')}`).join(' '),
      ],
    ] as const) {
      const { spec, headers } = await fresh()
      add(label, { headers: replace(headers, header, mutate(outputValue(headers, header))), body: spec.body, status: 401 })
    }
    const { spec, headers } = await fresh()
    const dupId = (await fresh()).spec.deliveryId
    add('duplicate webhook-id header', { headers: [...headers, ['webhook-id', dupId]], body: spec.body, status: 401 })
  }

  if (kind === 'qstash') cases.push(...(await qstashTokenCases(fresh)))
  cases.push(...(await invalidIdCases(kind, fresh)))
  return cases
}

/** Headers signed over a literal timestamp the signers cannot produce (zero, negative, 13 digits, a fraction). */
function signedAtStamp(kind: SenderKind, spec: EventSpec, stamp: string): [string, string][] {
  const base: [string, string][] = [['content-type', 'application/json']]
  const hmac = (key: string | Buffer, prefix: string) => createHmac('sha256', key).update(prefix).update(spec.body)
  switch (kind) {
    case 'sonuslab':
      return [
        ...base,
        ['x-sonuslab-signature', `t=${stamp},v1=${hmac(devSecret, `${stamp}.`).digest('hex')}`],
        ['x-sonuslab-delivery', spec.deliveryId],
      ]
    case 'standard-webhooks': {
      const key = Buffer.from(devStandardWebhooksSecret.slice(6), 'base64')
      const mac = hmac(key, `${spec.deliveryId}.${stamp}.`).digest('base64')
      return [...base, ['webhook-id', spec.deliveryId], ['webhook-timestamp', stamp], ['webhook-signature', `v1,${mac}`]]
    }
    case 'cloudinary': {
      const digest = createHash('sha1').update(spec.body).update(stamp).update(devSecret).digest('hex')
      return [...base, ['x-cld-signature', digest], ['x-cld-timestamp', stamp]]
    }
    default:
      throw new Error(`${kind} signs no timestamp`)
  }
}

async function qstashTokenCases(fresh: () => Promise<{ spec: EventSpec; headers: [string, string][] }>): Promise<HostileCase[]> {
  const cases: HostileCase[] = []
  const key = devSigningKeys.currentSigningKey
  const add = async (name: string, token: (body: string, t: number) => string, reason?: string, extra: Partial<HostileCase> = {}) => {
    const { spec, headers } = await fresh()
    cases.push({
      name: `qstash: ${name}`,
      sender: 'qstash',
      method: 'POST',
      headers: replace(headers, 'upstash-signature', token(spec.body, now())),
      body: spec.body,
      status: 401,
      ...(reason ? { reason } : {}),
      ...extra,
    })
  }
  const claims = qstashClaims
  await add('expired JWT (signed 10 min ago)', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t - 600), key }), 'signature_expired')
  await add('expired JWT (exp = now - 11 s)', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t - 311), key }), 'signature_expired')
  await add(
    'JWT not valid yet (nbf + 1 min)',
    (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t, { nbf: t + 60 }), key }),
    'signature_not_yet_valid',
  )
  await add('JWT without exp', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t, { exp: undefined }), key }), 'signature_expired')
  await add(
    'JWT with exp as a string',
    (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t, { exp: String(t + 300) }), key }),
    'signature_expired',
  )
  await add('alg none, empty signature', (b, t) => craftJwt({ header: { alg: 'none', typ: 'JWT' }, claims: claims(b, PUBLIC_URL, t) }))
  await add('alg none with a valid HS256 signature', (b, t) =>
    craftJwt({ header: { alg: 'none', typ: 'JWT' }, claims: claims(b, PUBLIC_URL, t), key }),
  )
  await add('alg "None"', (b, t) => craftJwt({ header: { alg: 'None' }, claims: claims(b, PUBLIC_URL, t), key }))
  await add('algorithm confusion: RS256 header, HMAC signature', (b, t) =>
    craftJwt({ header: { alg: 'RS256', typ: 'JWT' }, claims: claims(b, PUBLIC_URL, t), key }),
  )
  await add('algorithm confusion: ES256 header, HMAC signature', (b, t) =>
    craftJwt({ header: { alg: 'ES256', typ: 'JWT' }, claims: claims(b, PUBLIC_URL, t), key }),
  )
  await add('HS512 header and HS512 signature', (b, t) =>
    craftJwt({ header: { alg: 'HS512', typ: 'JWT' }, claims: claims(b, PUBLIC_URL, t), key, digest: 'sha512' }),
  )
  await add('HS384 header and HS384 signature', (b, t) =>
    craftJwt({ header: { alg: 'HS384', typ: 'JWT' }, claims: claims(b, PUBLIC_URL, t), key, digest: 'sha384' }),
  )
  await add('HS256 header, HS512 signature', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t), key, digest: 'sha512' }))
  await add('typ JWE', (b, t) => craftJwt({ header: { alg: 'HS256', typ: 'JWE' }, claims: claims(b, PUBLIC_URL, t), key }))
  await add('wrong issuer', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t, { iss: 'Upstash-evil' }), key }), 'wrong_issuer')
  await add('no issuer', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t, { iss: undefined }), key }), 'wrong_issuer')
  await add(
    'wrong sub (another host)',
    (b, t) => craftJwt({ claims: claims(b, 'https://evil.example.test/api/webhooks', t), key }),
    'wrong_url',
  )
  await add('wrong sub (another path)', (b, t) => craftJwt({ claims: claims(b, `${PUBLIC_URL}/other`, t), key }), 'wrong_url')
  await add(
    'wrong sub (http instead of https)',
    (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL.replace('https:', 'http:'), t), key }),
    'wrong_url',
  )
  await add('sub missing', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t, { sub: undefined }), key }), 'wrong_url')
  await add('sub as an array', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t, { sub: [PUBLIC_URL] }), key }), 'wrong_url')
  await add('body hash of another body', (b, t) => craftJwt({ claims: claims(`${b} `, PUBLIC_URL, t), key }), 'body_hash_mismatch')
  await add('body hash missing', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t, { body: undefined }), key }), 'body_hash_mismatch')
  await add(
    'body hash as hex',
    (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t, { body: 'ab'.repeat(32) }), key }),
    'body_hash_mismatch',
  )
  await add('claims not JSON', (_b, _t) => {
    const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('not json').toString('base64url')}`
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
  })
  await add('four segments', (b, t) => `${craftJwt({ claims: claims(b, PUBLIC_URL, t), key })}.x`)
  await add('two segments', (b, t) =>
    craftJwt({ claims: claims(b, PUBLIC_URL, t), key })
      .split('.')
      .slice(0, 2)
      .join('.'),
  )
  await add('signature with a space inside', (b, t) => craftJwt({ claims: claims(b, PUBLIC_URL, t), key }).replace(/(.{10})$/, ' $1'))
  await add('token prefixed with "Bearer "', (b, t) => `Bearer ${craftJwt({ claims: claims(b, PUBLIC_URL, t), key })}`)
  {
    const { spec, headers } = await fresh()
    cases.push({
      name: 'qstash: Upstash-Message-Id missing',
      sender: 'qstash',
      method: 'POST',
      headers: replace(headers, 'upstash-message-id', undefined),
      body: spec.body,
      status: 400,
      reason: 'missing_delivery_id',
    })
  }
  return cases
}

/** Requests no sender would make: no signature of any kind. */
function anonymousCases(): HostileCase[] {
  const cases: HostileCase[] = []
  const body = makeEvents('anonymous', 1)[0]!.body
  const add = (name: string, c: Partial<HostileCase>) =>
    cases.push({
      name: `anonymous: ${name}`,
      sender: 'none',
      method: 'POST',
      headers: [['content-type', 'application/json']],
      body,
      status: 401,
      ...c,
    })
  add('no signature header at all', { reason: 'missing_signature' })
  add('no headers at all', { headers: [] })
  add('only a delivery id', {
    headers: [
      ['content-type', 'application/json'],
      ['upstash-message-id', 'msg_x'],
      ['x-sonuslab-delivery', 'd'],
      ['webhook-id', 'w'],
    ],
  })
  add('svix headers with junk', {
    headers: [
      ['content-type', 'application/json'],
      ['svix-id', 'x'],
      ['svix-timestamp', String(now())],
      ['svix-signature', 'v1,AAAA'],
    ],
  })
  add('authorization header instead of a signature', {
    headers: [
      ['content-type', 'application/json'],
      ['authorization', `Bearer ${devSecret}`],
    ],
  })
  add('GET with no headers', { method: 'GET', headers: [], body: null, status: 405 })
  add('HEAD', { method: 'HEAD', headers: [], body: null, status: 405 })
  add('over the limit, unsigned', { body: 'x'.repeat(MiB + 1), status: 413 })
  add('text/plain, unsigned', { headers: [['content-type', 'text/plain']], status: 415 })
  add('deeply nested, unsigned', { body: nested(100_000) })
  return cases
}

export async function buildCorpus(): Promise<HostileCase[]> {
  const perSender = await Promise.all(SENDER_KINDS.map((kind) => senderCases(kind)))
  return [...perSender.flat(), ...anonymousCases()]
}

/** One valid delivery per sender, to show the same setup does accept the real thing. */
export async function buildControls(): Promise<HostileCase[]> {
  const events = makeEvents('control', SENDER_KINDS.length)
  return Promise.all(
    events.map(async (event) => ({
      name: `control: valid ${event.kind}`,
      sender: event.kind,
      method: 'POST',
      headers: entries(await signAttempt(event)),
      body: event.body,
      status: 200,
    })),
  )
}
