// The security properties, through router.handle(): an attacker holds ONE captured, validly
// signed delivery, controls every unsigned header, and every env variable a user might leave
// empty. Each block names the property it pins.
import {
  cloudinary,
  createWebhookRouter,
  memoryStore,
  qstash,
  sonuslab,
  standardWebhooks,
  timestampedHmac,
  uploadcare,
  WebhookConfigError,
  type WebhookRouterOptions,
} from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import {
  createTestDelivery,
  devSecret,
  devSigningKeys,
  devStandardWebhooksSecret,
  senders,
  silentLogger,
} from '@upload-webhooks/core/testing'
import { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest'
import { fixture, UPLOADKIT } from './fixtures.js'
import { downStore } from './recording-store.js'

const url = 'http://localhost/api/webhooks/upload'
const redisUrl = inject('redisUrl')
const admin = redisUrl ? new Redis(redisUrl) : undefined
afterAll(() => admin?.disconnect())
afterEach(() => {
  vi.unstubAllEnvs()
})

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> })
/** The same request with some headers replaced: what an attacker can do with a captured delivery. */
async function resend(request: Request, headers: Record<string, string>): Promise<Request> {
  return new Request(request.url, {
    method: 'POST',
    headers: { ...Object.fromEntries(request.headers), ...headers },
    body: await request.clone().text(),
  })
}

describe('1. published dev keys never verify in production', () => {
  const devKeyed: [string, () => unknown, string][] = [
    ['qstash() currentSigningKey', () => qstash({ ...devSigningKeys }), 'currentSigningKey'],
    ['sonuslab() secret', () => sonuslab({ secret: devSecret }), 'secret'],
    ['uploadcare() secret', () => uploadcare({ secret: devSecret }), 'secret'],
    ['standardWebhooks() secret', () => standardWebhooks({ secret: devStandardWebhooksSecret }), 'secret'],
    ['cloudinary() apiSecret', () => cloudinary({ apiSecret: devSecret }), 'apiSecret'],
  ]
  it.each(devKeyed)('%s is a WebhookConfigError under NODE_ENV=production, fine in development', (_name, make, option) => {
    vi.stubEnv('NODE_ENV', 'development')
    expect(make).not.toThrow()
    vi.stubEnv('NODE_ENV', 'production')
    expect(make).toThrow(WebhookConfigError)
    expect(make).toThrow(new RegExp(`${option}.*published development key`))
  })

  it.each(senders.map((s) => [s.id, s] as const))(
    '%s: a dev key read from the env is refused in production, naming the variable',
    (_id, sender) => {
      vi.stubEnv('NODE_ENV', 'production')
      const devValue =
        sender.id === 'qstash'
          ? devSigningKeys.currentSigningKey
          : sender.id === 'standard-webhooks'
            ? devStandardWebhooksSecret
            : devSecret
      for (const name of sender.env) vi.stubEnv(name, name.includes('NEXT') ? devSigningKeys.nextSigningKey : devValue)
      expect(() => sender.verifier()).toThrow(new RegExp(`${sender.env[0]}.*published development key`))
    },
  )
})

describe('1b. `production: true` wins over NODE_ENV: a verifier built on dev keys outside NODE_ENV=production is refused by the router', () => {
  const router =
    (verify: WebhookRouterOptions['verify'], extra: Partial<WebhookRouterOptions> = {}) =>
    () =>
      createWebhookRouter({ verify, handlers: {}, store: memoryStore(), logger: silentLogger, url: false, ...extra })

  it.each([
    ['qstash()', () => qstash({ ...devSigningKeys }), /`currentSigningKey` \(qstash\(\)\), `nextSigningKey` \(qstash\(\)\)/],
    ['sonuslab()', () => sonuslab({ secrets: ['real_secret', devSecret] }), /`secrets\[1\]` \(sonuslab\(\)\)/],
    ['uploadcare()', () => uploadcare({ secret: devSecret }), /`secret` \(uploadcare\(\)\)/],
    ['standardWebhooks()', () => standardWebhooks({ secret: devStandardWebhooksSecret }), /`secret` \(standard-webhooks\(\)\)/],
    ['cloudinary()', () => cloudinary({ apiSecret: devSecret }), /`apiSecret` \(cloudinary\(\)\)/],
  ])('%s on dev keys: WebhookConfigError naming the option', (_name, make, names) => {
    vi.stubEnv('NODE_ENV', '')
    const verifier = make() as ReturnType<typeof qstash>
    expect(router(verifier)).not.toThrow()
    expect(router(verifier, { production: true })).toThrow(WebhookConfigError)
    expect(router(verifier, { production: true })).toThrow(names)
    expect(router(verifier, { production: true })).toThrow(/published development key/)
  })

  it('names the env variable a dev key was read from, also for a verifier copied with a spread', () => {
    vi.stubEnv('NODE_ENV', '')
    vi.stubEnv('QSTASH_CURRENT_SIGNING_KEY', devSigningKeys.currentSigningKey)
    vi.stubEnv('QSTASH_NEXT_SIGNING_KEY', 'sig_real_next')
    expect(router({ ...qstash(), name: 'uploadkit' }, { production: true })).toThrow(
      /QSTASH_CURRENT_SIGNING_KEY \(uploadkit\(\)\) is a published development key/,
    )
  })

  it('real keys pass in production; `production: false` keeps the router out of production under NODE_ENV=production', () => {
    expect(router(qstash({ currentSigningKey: 'k1', nextSigningKey: 'k2' }), { production: true })).not.toThrow()
    const needsUrl = { verify: qstash({ currentSigningKey: 'k1', nextSigningKey: 'k2' }), handlers: {}, logger: silentLogger }
    expect(() => createWebhookRouter({ ...needsUrl, production: true })).toThrow(/WEBHOOK_PUBLIC_URL/)
    vi.stubEnv('NODE_ENV', 'production')
    expect(() => createWebhookRouter({ ...needsUrl, production: false })).not.toThrow()
    expect(() => createWebhookRouter(needsUrl)).toThrow(/WEBHOOK_PUBLIC_URL/)
  })

  it.each(['true', 1, null])('production %j is a WebhookConfigError', (value) => {
    expect(router(qstash({ currentSigningKey: 'k1', nextSigningKey: 'k2' }), { production: value as never })).toThrow(
      /`production` must be true or false/,
    )
  })
})

describe('2. placeholder secrets are refused at construction, naming the option or variable', () => {
  const placeholders = ['', '   ', 'undefined', 'NULL', 'null']
  it.each(placeholders)('option %j', (value) => {
    expect(() => qstash({ currentSigningKey: value, nextSigningKey: 'real_next' })).toThrow(/currentSigningKey/)
    expect(() => sonuslab({ secret: value })).toThrow(/secret/)
    expect(() => uploadcare({ secrets: ['real', value] })).toThrow(/secrets\[1\]/)
    expect(() => cloudinary({ apiSecret: value })).toThrow(WebhookConfigError)
  })
  it.each(senders.map((s) => [s.id, s] as const))('%s: each env variable set to "undefined" names itself', (_id, sender) => {
    for (const name of sender.env) vi.stubEnv(name, 'real_value_but_see_below')
    vi.stubEnv(sender.env[0]!, 'undefined')
    expect(() => sender.verifier()).toThrow(new RegExp(sender.env[0]!))
  })
})

describe('3. numeric options are validated: NaN never turns a check off', () => {
  const bad = [Number.NaN, Number.POSITIVE_INFINITY, -1, Number('')] // Number('') is 0
  it.each(bad)('%s', (value) => {
    expect(() => sonuslab({ secret: 's', toleranceSeconds: value })).toThrow(/toleranceSeconds/)
    expect(() => standardWebhooks({ secret: devStandardWebhooksSecret, toleranceSeconds: value })).toThrow(/toleranceSeconds/)
    expect(() => timestampedHmac({ secret: 's', signatureHeader: 'x-sig', deliveryHeader: 'x-id', toleranceSeconds: value })).toThrow(
      WebhookConfigError,
    )
    expect(() => cloudinary({ apiSecret: 's', toleranceSeconds: value })).toThrow(/toleranceSeconds/)
    expect(() => memoryStore({ maxEntries: value })).toThrow(/maxEntries/)
    const base = { verify: qstash({ ...devSigningKeys }), handlers: {} }
    expect(() => createWebhookRouter({ ...base, maxBodyBytes: value })).toThrow(/maxBodyBytes/)
    expect(() => createWebhookRouter({ ...base, dedupe: { lockSeconds: value } })).toThrow(/lockSeconds/)
    expect(() => createWebhookRouter({ ...base, dedupe: { ttlSeconds: value } })).toThrow(/ttlSeconds/)
    if (!Number.isNaN(value) && value >= 0) return // 0 is a legal clock tolerance
    expect(() => qstash({ ...devSigningKeys, clockToleranceSeconds: value })).toThrow(/clockToleranceSeconds/)
  })
})

describe('4. one URL policy for QStash sub, in core', () => {
  const make = (extra: Partial<WebhookRouterOptions> = {}) =>
    createWebhookRouter({ verify: qstash({ currentSigningKey: 'k1', nextSigningKey: 'k2' }), handlers: {}, logger: silentLogger, ...extra })

  it('production without `url` or WEBHOOK_PUBLIC_URL fails at construction, naming both; url: false opts out', () => {
    vi.stubEnv('NODE_ENV', 'production')
    expect(() => make()).toThrow(/WEBHOOK_PUBLIC_URL.*`url`/)
    expect(() => make({ url: false })).not.toThrow()
    vi.stubEnv('WEBHOOK_PUBLIC_URL', 'https://app.example.com/api/webhooks/upload')
    expect(() => make()).not.toThrow()
  })
  it.each(['', '   ', '/api/webhooks/upload', 'undefined', 'app.example.com/hook'])(
    'url %j is a config error, never "skip the check"',
    (value) => {
      expect(() => make({ url: value })).toThrow(/`url` must be this endpoint's absolute public URL/)
      vi.stubEnv('WEBHOOK_PUBLIC_URL', value === '' ? ' ' : value)
      expect(() => make()).toThrow(/WEBHOOK_PUBLIC_URL/)
    },
  )

  it('the configured URL decides, not the request: a token for another URL on the same account is refused', async () => {
    const publicUrl = 'https://app.example.com/api/webhooks/upload'
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      handlers: { onUploadComplete: () => {} },
      url: publicUrl,
      logger: silentLogger,
    })
    const staging = await createTestDelivery({
      verifier: 'qstash',
      event: fixture(UPLOADKIT),
      url: 'https://staging.example.com/api/webhooks/upload',
    })
    expect(await json(await router.handle(staging))).toMatchObject({ status: 401, body: { reason: 'wrong_url' } })
    // The request URL (what Host says) is irrelevant once a URL is configured.
    const good = await createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), url: publicUrl })
    expect(
      (await router.handle(new Request('http://evil.example.com/x', { method: 'POST', headers: good.headers, body: await good.text() })))
        .status,
    ).toBe(200)
  })
})

describe('5. a captured delivery cannot run twice under a fresh ID', () => {
  const cases: [string, WebhookRouterOptions['verify'], 'qstash' | 'sonuslab', string][] = [
    ['qstash', qstash({ ...devSigningKeys }), 'qstash', 'upstash-message-id'],
    ['sonuslab', sonuslab({ secret: devSecret }), 'sonuslab', 'x-sonuslab-delivery'],
  ]
  const stores = [['memoryStore', () => memoryStore()] as const, ['redisStore', () => redisStore(admin!)] as const]

  describe.each(stores)('%s', (storeName, makeStore) => {
    it.skipIf(storeName === 'redisStore' && !redisUrl).each(cases)(
      '%s: 4 fresh IDs → 401 replayed_signature, handler ran once, no claim left',
      async (_name, verify, sender, idHeader) => {
        const prefix = `sec:${crypto.randomUUID()}`
        let calls = 0
        const router = createWebhookRouter({
          verify,
          store: makeStore(),
          dedupe: { keyPrefix: prefix },
          handlers: { onUploadComplete: () => void calls++, 'upload.completed': () => void calls++ },
          logger: silentLogger,
        })
        const event = sender === 'qstash' ? fixture(UPLOADKIT) : { event: 'upload.completed', data: { file: { id: 'f1' } } }
        const captured = await createTestDelivery({ verifier: sender, event, url, deliveryId: 'dlv_original' })
        expect(await json(await router.handle(await resend(captured, {})))).toMatchObject({ status: 200, body: { status: 'processed' } })
        for (const fresh of ['dlv_a', 'dlv_b', 'dlv_c', 'dlv_d']) {
          const replay = await json(await router.handle(await resend(captured, { [idHeader]: fresh })))
          expect(replay).toMatchObject({ status: 401, body: { status: 'rejected', reason: 'replayed_signature' } })
        }
        expect((await json(await router.handle(await resend(captured, {})))).body.status).toBe('duplicate')
        expect(calls).toBe(1)
        if (storeName === 'redisStore') {
          const keys = await admin!.keys(`${prefix}*`)
          expect(keys.filter((k) => k.includes('dlv_') && !k.endsWith('dlv_original'))).toEqual([])
          expect(keys.some((k) => k.startsWith(`${prefix}~nonce:`))).toBe(true)
        }
      },
    )
  })

  it('a genuine retry under the same ID, re-signed (new jti), stays a duplicate', async () => {
    let calls = 0
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      handlers: { onUploadComplete: () => void calls++ },
      logger: silentLogger,
    })
    const first = await createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), url, deliveryId: 'msg_retried' })
    const retry = await createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), url, deliveryId: 'msg_retried' })
    expect((await json(await router.handle(first))).body.status).toBe('processed')
    expect((await json(await router.handle(retry))).body.status).toBe('duplicate')
    expect(calls).toBe(1)
  })
})

describe('6. a processed ID with a different body is a conflict, not a silent duplicate', () => {
  it('409 delivery_conflict, logged as an error, handler not run', async () => {
    const error = vi.fn()
    let calls = 0
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      handlers: { onUploadComplete: () => void calls++ },
      logger: { ...silentLogger, error },
    })
    await router.handle(await createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), url, deliveryId: 'msg_same' }))
    const other = { ...fixture(UPLOADKIT), metadata: { userId: 'someone_else' } }
    const res = await json(await router.handle(await createTestDelivery({ verifier: 'qstash', event: other, url, deliveryId: 'msg_same' })))
    expect(res).toMatchObject({ status: 409, body: { reason: 'delivery_conflict' } })
    expect(calls).toBe(1)
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/another body/), expect.objectContaining({ deliveryId: 'msg_same' }))
  })
})

describe('7. bounded untrusted input: the delivery ID', () => {
  const ids = ['x'.repeat(257), 'x'.repeat(1024 * 1024), 'msg\u0000id', 'msg\nid', 'msg\u007fid', '\u00e9'.repeat(129)]
  it.each(ids.map((id) => [id.length, id]))(
    'an ID of %i characters with bad bytes → 400 invalid_delivery_id, no store key, not echoed',
    async (_length, id) => {
      const claims: string[] = []
      const store = memoryStore()
      const router = createWebhookRouter({
        verify: sonuslab({ secret: devSecret }),
        store: {
          ...store,
          claim: (key, token, lock, nonce) => {
            claims.push(key)
            return store.claim(key, token, lock, nonce)
          },
        },
        handlers: { 'upload.completed': () => {} },
        logger: silentLogger,
      })
      const signed = await createTestDelivery({ verifier: 'sonuslab', event: { event: 'upload.completed', data: {} }, url })
      const headers: Record<string, string> = { ...Object.fromEntries(signed.headers), 'x-sonuslab-delivery': id }
      const result = await router.receive({ method: 'POST', url, headers, body: await signed.text() })
      expect(result.status).toBe(400)
      expect(JSON.parse(result.body)).toMatchObject({ reason: 'invalid_delivery_id' })
      expect(result.body.length).toBeLessThan(300)
      expect(claims).toEqual([])
    },
  )
})

describe('8. the memory store cannot be flushed by an attacker', () => {
  it('10,001 forged IDs on one captured token are all replays; the original retry stays a duplicate', async () => {
    let calls = 0
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      handlers: { onUploadComplete: () => void calls++ },
      logger: silentLogger,
    })
    const captured = await createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), url, deliveryId: 'msg_victim' })
    const headers = Object.fromEntries(captured.headers)
    const body = await captured.text()
    expect((await router.receive({ method: 'POST', url, headers, body })).status).toBe(200)
    for (let i = 0; i < 10_001; i++) {
      const result = await router.receive({ method: 'POST', url, headers: { ...headers, 'upstash-message-id': `msg_forged_${i}` }, body })
      if (result.status !== 401) throw new Error(`forged delivery ${i} answered ${result.status}`)
    }
    expect(JSON.parse((await router.receive({ method: 'POST', url, headers, body })).body)).toMatchObject({ status: 'duplicate' })
    expect(calls).toBe(1)
  })

  it('evicting an unexpired processed record logs one warning naming maxEntries and the Redis stores', async () => {
    const warn = vi.fn()
    const router = createWebhookRouter({
      verify: standardWebhooks({ secret: devStandardWebhooksSecret }),
      store: memoryStore({ maxEntries: 3 }),
      handlers: { 'upload.created': () => {} },
      logger: { ...silentLogger, warn },
    })
    for (let i = 0; i < 6; i++) {
      await router.handle(await createTestDelivery({ verifier: 'standard-webhooks', event: { type: 'upload.created', data: { i } }, url }))
    }
    const evictions = warn.mock.calls.filter(([message]) => /dropped an unexpired processed record/.test(message))
    expect(evictions).toHaveLength(1)
    expect(evictions[0]![0]).toMatch(/maxEntries.*redisStore/)
  })
})

describe('9. an already-read body', () => {
  it('router.handle() answers 500 raw_body_unavailable instead of throwing', async () => {
    const router = createWebhookRouter({ verify: qstash({ ...devSigningKeys }), handlers: {}, logger: silentLogger })
    const request = await createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), url })
    await request.text()
    expect(await json(await router.handle(request))).toMatchObject({ status: 500, body: { reason: 'raw_body_unavailable' } })
  })
})

describe('who may reach a handler: a sender cannot name another configured sender’s typed event', () => {
  it('a Standard Webhooks delivery typed onUploadComplete beside qstash() is refused 403 and its handler does not run', async () => {
    let calls = 0
    const store = memoryStore()
    const claim = vi.spyOn(store, 'claim')
    const router = createWebhookRouter({
      verify: [qstash({ ...devSigningKeys }), standardWebhooks({ secret: devStandardWebhooksSecret })],
      handlers: { onUploadComplete: () => void calls++ },
      store,
      logger: silentLogger,
    })
    const res = await json(
      await router.handle(await createTestDelivery({ verifier: 'standard-webhooks', event: { type: 'onUploadComplete', data: {} }, url })),
    )
    expect(res).toMatchObject({ status: 403, body: { status: 'rejected', reason: 'sender_not_allowed' } })
    expect(calls).toBe(0)
    expect(claim).not.toHaveBeenCalled()
  })
})

describe('the doctor probe (upload-webhooks doctor)', () => {
  it('verified → 200 ignored, no handler, nothing kept; a dead store → 503', async () => {
    const prefix = `doctor:${crypto.randomUUID()}`
    const store = redisUrl ? redisStore(admin!) : memoryStore()
    const handler = vi.fn()
    const make = (s: typeof store) =>
      createWebhookRouter({
        verify: qstash({ ...devSigningKeys }),
        store: s,
        dedupe: { keyPrefix: prefix },
        handlers: { 'upload-webhooks.doctor': handler },
        logger: silentLogger,
      })
    const probe = () => createTestDelivery({ verifier: 'qstash', event: { event: 'upload-webhooks.doctor' }, url })
    expect(await json(await make(store).handle(await probe()))).toMatchObject({ status: 200, body: { status: 'ignored' } })
    expect(handler).not.toHaveBeenCalled()
    if (redisUrl) expect(await admin!.keys(`${prefix}*`)).toEqual([])
    expect(await json(await make(downStore).handle(await probe()))).toMatchObject({ status: 503, body: { reason: 'store_unavailable' } })
  })
})
