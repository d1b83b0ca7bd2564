import { createHash, createHmac } from 'node:crypto'
import { type HeaderBag, sonuslab, standardWebhooks, timestampedHmac, uploadcare, WebhookConfigError } from '@upload-webhooks/core'
import { signStandardWebhooks, signTimestampedHmac, signUploadcare } from '@upload-webhooks/core/testing'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fixtureText, SONUSLAB, UPLOADCARE_06, UPLOADCARE_07 } from './fixtures.js'
import { outcomeOf, routedDeliveryId } from './verify-outcome.js'

const stripe = new Stripe('sk_test_unused')
const encode = (text: string) => new TextEncoder().encode(text)
/** A fixed clock, in Unix seconds, for the tests that probe the tolerance edges. */
const PINNED_NOW = 1_800_000_000
const input = (headers: HeaderBag, text: string) => ({ method: 'POST', url: '/hook', headers, body: { bytes: encode(text), text } })

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllEnvs()
})

describe('timestampedHmac() / sonuslab()', () => {
  const secret = 'whsec_sonuslab_test'
  const body = fixtureText(SONUSLAB)
  const verifier = sonuslab({ secret })
  const headers = (signature: string, delivery = 'dlv_1') => ({ 'x-sonuslab-signature': signature, 'x-sonuslab-delivery': delivery })

  it("accepts a header from Stripe's own test-header generator", async () => {
    const signature = await stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret })
    expect(await verifier.verify(input(headers(signature), body))).toMatchObject({ deliveryId: 'dlv_1' })
  })

  it("signs headers that Stripe's constructEvent accepts", async () => {
    const signature = await signTimestampedHmac({ body, secret })
    expect(await stripe.webhooks.constructEventAsync(body, signature, secret)).toMatchObject({ event: 'upload.completed' })
  })

  it('accepts any of several v1 signatures and any of several secrets (rotation)', async () => {
    const t = Math.floor(Date.now() / 1000)
    const good = (await signTimestampedHmac({ body, secret, timestamp: t })).split('v1=')[1]
    const list = `t=${t},v1=${'0'.repeat(64)},v0=abc,v1=${good}`
    expect(await outcomeOf(() => verifier.verify(input(headers(list), body)))).toBe('accepted')
    const rotating = sonuslab({ secrets: ['old_secret', secret] })
    expect(await outcomeOf(async () => rotating.verify(input(headers(await signTimestampedHmac({ body, secret })), body)))).toBe('accepted')
  })

  it('refuses a tampered body, a wrong secret, and a missing or malformed header', async () => {
    const signature = await signTimestampedHmac({ body, secret })
    expect(await outcomeOf(() => verifier.verify(input(headers(signature), body.replace('5242880', '5242881'))))).toBe(
      '401 invalid_signature',
    )
    expect(await outcomeOf(async () => verifier.verify(input(headers(await signTimestampedHmac({ body, secret: 'wrong' })), body)))).toBe(
      '401 invalid_signature',
    )
    expect(await outcomeOf(() => verifier.verify(input({ 'x-sonuslab-delivery': 'd' }, body)))).toBe('401 missing_signature')
    expect(await outcomeOf(() => verifier.verify(input(headers('v1=abc'), body)))).toBe('401 malformed_signature')
    expect(await outcomeOf(() => verifier.verify(input(headers(`t=1,t=2,${signature.split(',')[1]}`), body)))).toBe(
      '401 malformed_signature',
    )
    expect(await outcomeOf(() => verifier.verify(input(headers(signature.slice(0, -2)), body)))).toBe('401 malformed_signature')
  })

  it('refuses stale (replayed) and future timestamps beyond the tolerance, to the second', async () => {
    // The clock is pinned: a second ticking between signing and verifying would move the edges.
    vi.useFakeTimers({ now: PINNED_NOW * 1000, toFake: ['Date'] })
    const outcomeAt = async (timestamp: number) =>
      outcomeOf(async () => verifier.verify(input(headers(await signTimestampedHmac({ body, secret, timestamp })), body)))
    expect(await outcomeAt(PINNED_NOW - 301)).toBe('401 signature_expired')
    expect(await outcomeAt(PINNED_NOW + 301)).toBe('401 signature_expired')
    expect(await outcomeAt(PINNED_NOW - 300)).toBe('accepted')
    expect(await outcomeAt(PINNED_NOW + 300)).toBe('accepted')
  })

  it('answers 400 without a delivery header, and fails at construction without a secret', async () => {
    const signature = await signTimestampedHmac({ body, secret })
    expect(await outcomeOf(() => verifier.verify(input({ 'x-sonuslab-signature': signature }, body)))).toBe('400 missing_delivery_id')
    expect(() => sonuslab()).toThrow(WebhookConfigError)
    vi.stubEnv('SONUSLAB_WEBHOOK_SECRET', secret)
    expect(sonuslab().name).toBe('sonuslab')
  })

  it('takes any header names, case-insensitively, for other Stripe-style senders', async () => {
    const custom = timestampedHmac({ name: 'acme', secret, signatureHeader: 'Acme-Signature', deliveryHeader: 'Acme-Delivery' })
    const signature = await signTimestampedHmac({ body, secret })
    const result = await custom.verify(input(new Headers({ 'Acme-Signature': signature, 'Acme-Delivery': 'a1' }), body))
    expect(result.deliveryId).toBe('a1')
    expect(custom.name).toBe('acme')
  })
})

describe('uploadcare()', () => {
  const secret = 'uc_secret'
  const verifier = uploadcare({ secret })
  const independent = (text: string, key = secret) => `v1=${createHmac('sha256', key).update(text).digest('hex')}`

  it.each([UPLOADCARE_06, UPLOADCARE_07])(
    'accepts %s signed as Uploadcare documents it (HMAC-SHA256 hex of the raw body)',
    async (name) => {
      const body = fixtureText(name)
      expect(await signUploadcare({ body, secret })).toBe(independent(body))
      const headers = { 'x-uc-signature': independent(body) }
      // Uploadcare sends no delivery ID: the verifier leaves it to the router, which keys the
      // delivery by the body's SHA-256, the same for every retry and under any secret.
      expect((await verifier.verify(input(headers, body))).deliveryId).toBeUndefined()
      expect(await routedDeliveryId(verifier, headers, body)).toBe(createHash('sha256').update(body).digest('hex'))
      const rotated = uploadcare({ secrets: ['uc_secret_next', secret] })
      const resigned = { 'x-uc-signature': independent(body, 'uc_secret_next') }
      expect(await routedDeliveryId(rotated, resigned, body)).toBe(createHash('sha256').update(body).digest('hex'))
    },
  )

  it('refuses a tampered body, a wrong secret, a missing or malformed header', async () => {
    const body = fixtureText(UPLOADCARE_07)
    expect(
      await outcomeOf(() => verifier.verify(input({ 'x-uc-signature': independent(body) }, body.replace('"size": 308', '"size": 309')))),
    ).toBe('401 invalid_signature')
    expect(await outcomeOf(() => verifier.verify(input({ 'x-uc-signature': independent(body, 'wrong') }, body)))).toBe(
      '401 invalid_signature',
    )
    expect(await outcomeOf(() => verifier.verify(input({}, body)))).toBe('401 missing_signature')
    expect(await outcomeOf(() => verifier.verify(input({ 'x-uc-signature': independent(body).slice(3) }, body)))).toBe(
      '401 malformed_signature',
    )
    expect(await outcomeOf(() => verifier.verify(input({ 'x-uc-signature': `${independent(body)}00` }, body)))).toBe(
      '401 malformed_signature',
    )
  })

  it('reads the hex in either case, and refuses anything else in it as malformed', async () => {
    const body = fixtureText(UPLOADCARE_07)
    const upper = `v1=${independent(body).slice(3).toUpperCase()}`
    expect(await outcomeOf(() => verifier.verify(input({ 'x-uc-signature': upper }, body)))).toBe('accepted')
    const notHex = `${independent(body).slice(0, -1)}g`
    expect(await outcomeOf(() => verifier.verify(input({ 'x-uc-signature': notHex }, body)))).toBe('401 malformed_signature')
  })

  it('accepts any of several secrets during a rotation', async () => {
    const body = fixtureText(UPLOADCARE_06)
    expect(
      await outcomeOf(() => uploadcare({ secrets: ['new', secret] }).verify(input({ 'x-uc-signature': independent(body) }, body))),
    ).toBe('accepted')
  })
})

describe('standardWebhooks()', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const verifier = standardWebhooks({ secret })
  const body = JSON.stringify({ type: 'upload.completed', timestamp: '2026-01-01T00:00:00Z', data: { file: { id: 'f1', name: 'a.png' } } })

  it('accepts a delivery signed by the standardwebhooks library', async () => {
    const now = new Date()
    const signature = new Webhook(secret).sign('msg_1', now, body)
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature }
    expect(await verifier.verify(input(headers, body))).toMatchObject({ deliveryId: 'msg_1' })
  })

  it('signs headers the standardwebhooks library verifies', async () => {
    const headers = await signStandardWebhooks({ body, secret, id: 'msg_2' })
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: 'upload.completed' })
  })

  it('reads the svix- header names too, and any of several v1 entries', async () => {
    const signed = await signStandardWebhooks({ body, secret, id: 'msg_3' })
    const svix = {
      'svix-id': signed['webhook-id']!,
      'svix-timestamp': signed['webhook-timestamp']!,
      'svix-signature': `v1,${Buffer.alloc(32).toString('base64')} v2,abc ${signed['webhook-signature']}`,
    }
    expect(await outcomeOf(() => verifier.verify(input(svix, body)))).toBe('accepted')
  })

  it('refuses tampering, a wrong secret, a stale or future timestamp, and missing parts', async () => {
    const signed = await signStandardWebhooks({ body, secret, id: 'msg_4' })
    expect(await outcomeOf(() => verifier.verify(input(signed, body.replace('a.png', 'b.png'))))).toBe('401 invalid_signature')
    const wrong = await signStandardWebhooks({ body, secret: `whsec_${Buffer.from('another key').toString('base64')}`, id: 'msg_4' })
    expect(await outcomeOf(() => verifier.verify(input(wrong, body)))).toBe('401 invalid_signature')
    vi.useFakeTimers({ now: PINNED_NOW * 1000, toFake: ['Date'] })
    for (const timestamp of [PINNED_NOW - 301, PINNED_NOW + 301]) {
      expect(
        await outcomeOf(async () => verifier.verify(input(await signStandardWebhooks({ body, secret, id: 'm', timestamp }), body))),
      ).toBe('401 signature_expired')
    }
    expect(await outcomeOf(() => verifier.verify(input({ 'webhook-id': 'm', 'webhook-timestamp': String(PINNED_NOW) }, body)))).toBe(
      '401 missing_signature',
    )
    expect(await outcomeOf(() => verifier.verify(input({ ...signed, 'webhook-timestamp': 'soon' }, body)))).toBe('401 malformed_signature')
    expect(await outcomeOf(() => verifier.verify(input({ ...signed, 'webhook-signature': 'v2,abc' }, body)))).toBe(
      '401 malformed_signature',
    )
  })

  it('fails at construction on a missing or non-base64 secret', () => {
    expect(() => standardWebhooks()).toThrow(WebhookConfigError)
    expect(() => standardWebhooks({ secret: 'whsec_!!!' })).toThrow(/base64/)
  })
})
