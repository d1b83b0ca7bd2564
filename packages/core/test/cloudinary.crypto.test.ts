// cloudinary(): proved against the `cloudinary` SDK both ways (its webhook_signature and
// verifyNotificationSignature run offline), at the tolerance edges, and end to end through a router.
import { createHash } from 'node:crypto'
import {
  type CloudinaryUploadEvent,
  cloudinary,
  createWebhookRouter,
  decodeCloudinaryEvent,
  type GenericEvent,
  type HeaderBag,
  memoryStore,
  WebhookConfigError,
  type WebhookEvent,
} from '@upload-webhooks/core'
import { createTestDelivery, signCloudinary, silentLogger } from '@upload-webhooks/core/testing'
import { v2 as sdk } from 'cloudinary'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CLOUDINARY_UPLOAD, fixture, fixtureText } from './fixtures.js'
import { outcomeOf, routedDeliveryId } from './verify-outcome.js'

const apiSecret = 'cld_api_secret_for_tests'
const body = fixtureText(CLOUDINARY_UPLOAD)
const algorithms = ['sha1', 'sha256'] as const
/** A whole second, so the fake clock's fraction is set explicitly where it matters. */
const T = 1_775_649_603

const encode = (text: string) => new TextEncoder().encode(text)
const input = (headers: HeaderBag, text = body) => ({ method: 'POST', url: '/hook', headers, body: { bytes: encode(text), text } })
const cldHeaders = (signature: string, timestamp: number | string) => ({
  'x-cld-signature': signature,
  'x-cld-timestamp': String(timestamp),
})
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex')

/** The SDK's verdict; it reads the secret and algorithm from its global config. */
function sdkAccepts(headers: Record<string, string>, options: { secret?: string; algorithm?: string; validFor?: number } = {}) {
  sdk.config({ api_secret: options.secret ?? apiSecret, signature_algorithm: options.algorithm ?? 'sha1' })
  return sdk.utils.verifyNotificationSignature(body, Number(headers['x-cld-timestamp']), headers['x-cld-signature']!, options.validFor)
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllEnvs()
})

describe('cloudinary(): the cloudinary SDK as oracle', () => {
  it.each(algorithms)('%s: a signature made by the SDK verifies, and the delivery ID is the body SHA-256', async (algorithm) => {
    const now = Math.floor(Date.now() / 1000)
    const signature = sdk.utils.webhook_signature(body, now, { api_secret: apiSecret, signature_algorithm: algorithm })
    const verifier = cloudinary({ apiSecret, signatureAlgorithm: algorithm })
    const verified = await verifier.verify(input(cldHeaders(signature, now)))
    expect(verified.deliveryId).toBeUndefined()
    expect(verified.timestamp).toBe(now)
    expect(await routedDeliveryId(verifier, cldHeaders(signature, now), body)).toBe(sha256Hex(body))
  })

  it.each(algorithms)("%s: signCloudinary's headers pass the SDK's verifyNotificationSignature", async (algorithm) => {
    const headers = await signCloudinary({ body, apiSecret, signatureAlgorithm: algorithm })
    expect(sdkAccepts(headers, { algorithm })).toBe(true)
    expect(sdkAccepts(headers, { algorithm, secret: 'another_secret' })).toBe(false)
  })

  it('hashes non-ASCII bodies as UTF-8, as the SDK does', async () => {
    const text = '{"notification_type":"upload","public_id":"café/été-😀"}'
    const now = Math.floor(Date.now() / 1000)
    const signature = sdk.utils.webhook_signature(text, now, { api_secret: apiSecret, signature_algorithm: 'sha256' })
    const verifier = cloudinary({ apiSecret, signatureAlgorithm: 'sha256' })
    expect(await outcomeOf(() => verifier.verify(input(cldHeaders(signature, now), text)))).toBe('accepted')
    expect((await signCloudinary({ body: text, apiSecret, signatureAlgorithm: 'sha256', timestamp: now }))['x-cld-signature']).toBe(
      signature,
    )
  })
})

describe('cloudinary(): timestamp tolerance (default 7200 s, the SDK valid_for)', () => {
  const verifier = cloudinary({ apiSecret })
  const at = async (timestamp: number) => cldHeaders((await signCloudinary({ body, apiSecret, timestamp }))['x-cld-signature']!, timestamp)

  it('accepts exactly 7200 s old and refuses 7201 s old, as the SDK does', async () => {
    vi.useFakeTimers({ now: T * 1000 })
    expect(await outcomeOf(async () => verifier.verify(input(await at(T - 7200))))).toBe('accepted')
    expect(sdkAccepts(await at(T - 7200))).toBe(true)
    expect(await outcomeOf(async () => verifier.verify(input(await at(T - 7201))))).toBe('401 signature_expired')
    expect(sdkAccepts(await at(T - 7201))).toBe(false)
  })

  it('agrees with the SDK on the oldest accepted second at every fraction of the clock (the SDK rounds)', async () => {
    for (const millis of [0, 1, 499, 500, 501, 999]) {
      vi.useFakeTimers({ now: T * 1000 + millis })
      for (const age of [7199, 7200, 7201, 7202]) {
        const headers = await at(T - age)
        const ours = (await outcomeOf(() => verifier.verify(input(headers)))) === 'accepted'
        expect({ millis, age, ours }).toEqual({ millis, age, ours: sdkAccepts(headers) })
      }
    }
  })

  it('refuses far-future timestamps beyond the tolerance too (the SDK accepts them)', async () => {
    vi.useFakeTimers({ now: T * 1000 })
    expect(await outcomeOf(async () => verifier.verify(input(await at(T + 7200))))).toBe('accepted')
    expect(await outcomeOf(async () => verifier.verify(input(await at(T + 7201))))).toBe('401 signature_expired')
    expect(await outcomeOf(async () => verifier.verify(input(await at(T + 86_400 * 365))))).toBe('401 signature_expired')
    expect(sdkAccepts(await at(T + 86_400 * 365))).toBe(true)
  })

  it('takes toleranceSeconds like the SDK takes valid_for', async () => {
    vi.useFakeTimers({ now: T * 1000 })
    const strict = cloudinary({ apiSecret, toleranceSeconds: 300 })
    expect(await outcomeOf(async () => strict.verify(input(await at(T - 300))))).toBe('accepted')
    expect(sdkAccepts(await at(T - 300), { validFor: 300 })).toBe(true)
    expect(await outcomeOf(async () => strict.verify(input(await at(T - 301))))).toBe('401 signature_expired')
    expect(sdkAccepts(await at(T - 301), { validFor: 300 })).toBe(false)
  })
})

describe('cloudinary(): refusals name the reason', () => {
  const verifier = cloudinary({ apiSecret })

  it('refuses a tampered body and a wrong secret as invalid_signature', async () => {
    const headers = await signCloudinary({ body, apiSecret })
    expect(await outcomeOf(() => verifier.verify(input(headers)))).toBe('accepted')
    expect(await outcomeOf(() => verifier.verify(input(headers, body.replace('379132', '379133'))))).toBe('401 invalid_signature')
    expect(await outcomeOf(async () => verifier.verify(input(await signCloudinary({ body, apiSecret: 'wrong_secret' }))))).toBe(
      '401 invalid_signature',
    )
  })

  it('accepts any of apiSecrets during a rotation, and only those', async () => {
    const rotating = cloudinary({ apiSecrets: ['old_secret', apiSecret] })
    expect(await outcomeOf(async () => rotating.verify(input(await signCloudinary({ body, apiSecret: 'old_secret' }))))).toBe('accepted')
    expect(await outcomeOf(async () => rotating.verify(input(await signCloudinary({ body, apiSecret }))))).toBe('accepted')
    const retired = cloudinary({ apiSecrets: ['old_secret'] })
    expect(await outcomeOf(async () => retired.verify(input(await signCloudinary({ body, apiSecret }))))).toBe('401 invalid_signature')
  })

  it('refuses a missing signature, a missing or non-numeric timestamp, and a digest of the wrong form', async () => {
    const { 'x-cld-signature': signature, 'x-cld-timestamp': timestamp } = await signCloudinary({ body, apiSecret })
    expect(await outcomeOf(() => verifier.verify(input({ 'x-cld-timestamp': timestamp! })))).toBe('401 missing_signature')
    expect(await outcomeOf(() => verifier.verify(input({ 'x-cld-signature': signature! })))).toBe('401 malformed_signature')
    expect(await outcomeOf(() => verifier.verify(input(cldHeaders(signature!, `${timestamp}a`))))).toBe('401 malformed_signature')
    expect(await outcomeOf(() => verifier.verify(input(cldHeaders(signature!, '-1'))))).toBe('401 malformed_signature')
    expect(await outcomeOf(() => verifier.verify(input(cldHeaders('not-hex', timestamp!))))).toBe('401 malformed_signature')
    expect(await outcomeOf(() => verifier.verify(input(cldHeaders(signature!.slice(0, -2), timestamp!))))).toBe('401 malformed_signature')
    const sha256 = await signCloudinary({ body, apiSecret, signatureAlgorithm: 'sha256' })
    expect(await outcomeOf(() => verifier.verify(input(sha256)))).toBe('401 malformed_signature')
  })

  it('claims deliveries by X-Cld-Signature, whatever its case', () => {
    expect(verifier.matches?.(new Headers({ 'X-Cld-Signature': 'ab' }))).toBe(true)
    expect(verifier.matches?.({ 'x-cld-timestamp': '1' })).toBe(false)
  })
})

describe('cloudinary(): construction errors', () => {
  it('without a secret, names CLOUDINARY_API_SECRET and the apiSecret option; reads the variable when set', async () => {
    vi.stubEnv('CLOUDINARY_API_SECRET', undefined)
    expect(() => cloudinary()).toThrow(WebhookConfigError)
    expect(() => cloudinary()).toThrow(/CLOUDINARY_API_SECRET.*apiSecret/)
    vi.stubEnv('CLOUDINARY_API_SECRET', apiSecret)
    expect(await outcomeOf(async () => cloudinary().verify(input(await signCloudinary({ body, apiSecret }))))).toBe('accepted')
  })

  it.each(['', '  ', 'undefined', 'null'])('refuses the placeholder %j, naming the option', (value) => {
    expect(() => cloudinary({ apiSecret: value })).toThrow(WebhookConfigError)
    expect(() => cloudinary({ apiSecret: value })).toThrow(/`apiSecret`/)
    expect(() => cloudinary({ apiSecrets: [apiSecret, value] })).toThrow(/`apiSecrets\[1\]`/)
    vi.stubEnv('CLOUDINARY_API_SECRET', value)
    expect(() => cloudinary()).toThrow(/CLOUDINARY_API_SECRET/)
  })

  it('refuses an unknown signatureAlgorithm', () => {
    expect(() => cloudinary({ apiSecret, signatureAlgorithm: 'md5' as 'sha1' })).toThrow(WebhookConfigError)
    expect(() => cloudinary({ apiSecret, signatureAlgorithm: 'SHA256' as 'sha256' })).toThrow(/signatureAlgorithm/)
  })

  it.each([Number.NaN, -1, 0, Number.POSITIVE_INFINITY, 86_401])('refuses toleranceSeconds %s', (value) => {
    expect(() => cloudinary({ apiSecret, toleranceSeconds: value })).toThrow(WebhookConfigError)
    expect(() => cloudinary({ apiSecret, toleranceSeconds: value })).toThrow(/toleranceSeconds/)
  })
})

describe('decodeCloudinaryEvent: an upload notification from the documentation', () => {
  it("takes the type from notification_type and normalises event.file from the notification's fields", () => {
    const event = decodeCloudinaryEvent(fixture(CLOUDINARY_UPLOAD)) as CloudinaryUploadEvent
    expect(event.type).toBe('upload')
    expect(event.file).toEqual({
      id: 'samples/landscapes/beach',
      key: 'samples/landscapes/beach',
      url: 'https://res.cloudinary.com/demo/image/upload/v1775649601/samples/landscapes/beach.jpg',
      name: 'beach',
      size: 379132,
      contentType: 'image/jpeg',
      uploadedAt: '2026-04-08T12:00:01Z',
      metadata: {},
    })
    expect(event.asset_id).toBe('3515c6000a548515f1134043f9785c2f')
  })

  it('gives media types, not extensions, where they differ; no file without a public_id; no event without a type', () => {
    const decode = (payload: Record<string, unknown>) => decodeCloudinaryEvent(payload) as GenericEvent | undefined
    const contentType = (resource_type: string, format?: string) =>
      decode({ notification_type: 'upload', public_id: 'p', resource_type, ...(format ? { format } : {}) })?.file?.contentType
    expect(contentType('image', 'png')).toBe('image/png')
    expect(contentType('image', 'svg')).toBe('image/svg+xml')
    expect(contentType('image', 'pdf')).toBe('application/pdf')
    expect(contentType('video', 'mp4')).toBe('video/mp4')
    expect(contentType('video', 'mp3')).toBe('audio/mpeg')
    expect(contentType('raw')).toBeUndefined()
    expect(contentType('image', 'constructor')).toBe('image/constructor')
    expect(contentType('toString', 'bin')).toBe('toString/bin')
    expect(decode({ notification_type: 'delete', resources: [] })).toMatchObject({ type: 'delete' })
    expect(decode({ notification_type: 'delete', resources: [] })?.file).toBeUndefined()
    expect(decode({ public_id: 'p' })).toBeUndefined()
  })
})

describe('cloudinary() end to end through createWebhookRouter', () => {
  const url = 'http://localhost/api/webhooks/upload'
  const send = (router: { handle(r: Request): Promise<Response> }, request: Request) =>
    router.handle(request).then(async (res) => ({ status: res.status, body: await res.json() }))

  it('processed, then duplicate; a retry re-signed with a new timestamp is a duplicate too (dedupe key: the body SHA-256)', async () => {
    const seen: WebhookEvent[] = []
    const router = createWebhookRouter({
      verify: cloudinary({ apiSecret }),
      store: memoryStore(),
      logger: silentLogger,
      handlers: { upload: (event) => void seen.push(event) },
    })
    const now = Math.floor(Date.now() / 1000)
    const delivery = async (timestamp: number) =>
      createTestDelivery({ verifier: 'cloudinary', event: body, url, headers: await signCloudinary({ body, apiSecret, timestamp }) })
    const deliveryId = sha256Hex(body)

    expect(await send(router, await delivery(now - 180))).toMatchObject({ status: 200, body: { status: 'processed', deliveryId } })
    expect(await send(router, await delivery(now - 180))).toMatchObject({ status: 200, body: { status: 'duplicate', deliveryId } })
    expect(await send(router, await delivery(now))).toMatchObject({ status: 200, body: { status: 'duplicate', deliveryId } })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ type: 'upload', sender: 'cloudinary', file: { id: 'samples/landscapes/beach', size: 379132 } })
  })

  it('createTestDelivery signs with the given secret; the router refuses another secret with 401', async () => {
    const router = createWebhookRouter({ verify: cloudinary({ apiSecret }), store: memoryStore(), logger: silentLogger, handlers: {} })
    const ok = await createTestDelivery({ verifier: 'cloudinary', event: fixture(CLOUDINARY_UPLOAD), secret: apiSecret, url })
    expect((await send(router, ok)).status).toBe(200)
    const forged = await createTestDelivery({ verifier: 'cloudinary', event: fixture(CLOUDINARY_UPLOAD), secret: 'not_it', url })
    expect(await send(router, forged)).toMatchObject({ status: 401, body: { reason: 'invalid_signature' } })
  })
})
