import { createHash } from 'node:crypto'
import {
  type ClaimOutcome,
  createWebhookRouter,
  type DedupeStore,
  memoryStore,
  NonRetryableError,
  qstash,
  sonuslab,
  uploadcare,
  VerificationError,
  WebhookConfigError,
  type WebhookRouterOptions,
} from '@upload-webhooks/core'
import { createTestDelivery, devSecret, devSigningKeys, signQStash, silentLogger } from '@upload-webhooks/core/testing'
import { describe, expect, it, vi } from 'vitest'
import { fixture, fixtureText, QSTASH_FAILURE, UPLOADCARE_07, UPLOADKIT } from './fixtures.js'
import { downStore, recordingStore } from './recording-store.js'

const url = 'http://localhost/api/webhooks/upload'
const json = { 'content-type': 'application/json' }

function setup(overrides: Partial<WebhookRouterOptions> = {}) {
  const { store, calls } = recordingStore(memoryStore())
  const seen: { type: string; deliveryId: string }[] = []
  const router = createWebhookRouter({
    verify: [qstash({ ...devSigningKeys }), uploadcare({ secret: devSecret }), sonuslab({ secret: devSecret })],
    store,
    logger: silentLogger,
    handlers: {
      onUploadComplete: (event, ctx) => void seen.push({ type: event.type, deliveryId: ctx.deliveryId }),
      'file.uploaded': (event, ctx) => void seen.push({ type: event.type, deliveryId: ctx.deliveryId }),
      'qstash.failure': (event, ctx) => void seen.push({ type: event.type, deliveryId: ctx.deliveryId }),
    },
    ...overrides,
  })
  return { router, calls, seen }
}

const send = (router: { handle(r: Request): Promise<Response> }, request: Request) =>
  router.handle(request).then(async (res) => ({ status: res.status, headers: res.headers, body: await res.json() }))

const qstashDelivery = (event: unknown = fixture(UPLOADKIT), deliveryId = 'msg_1', headers?: Record<string, string>) =>
  createTestDelivery({ verifier: 'qstash', event, deliveryId, url, ...(headers ? { headers } : {}) })

describe('createWebhookRouter: outcomes and status codes', () => {
  it('200 processed, then 200 duplicate for the same delivery ID; the handler runs once', async () => {
    const { router, seen, calls } = setup()
    expect(await send(router, await qstashDelivery())).toMatchObject({ status: 200, body: { status: 'processed', deliveryId: 'msg_1' } })
    expect(await send(router, await qstashDelivery())).toMatchObject({ status: 200, body: { status: 'duplicate', deliveryId: 'msg_1' } })
    expect(seen).toEqual([{ type: 'onUploadComplete', deliveryId: 'msg_1' }])
    expect(calls.map((c) => `${c.op} ${c.key}`)).toEqual([
      'claim upload-webhooks:qstash:msg_1',
      'commit upload-webhooks:qstash:msg_1',
      'claim upload-webhooks:qstash:msg_1',
    ])
  })

  it('200 ignored for a verified event with no handler: no store write, onUnknownEvent told', async () => {
    const onUnknownEvent = vi.fn()
    const { router, calls, seen } = setup({ onUnknownEvent })
    const res = await send(router, await qstashDelivery({ event: 'onUploadDeleted', file: { id: 'f' } }))
    expect(res).toMatchObject({ status: 200, body: { status: 'ignored' } })
    expect(calls).toEqual([])
    expect(seen).toEqual([])
    expect(onUnknownEvent).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'onUploadDeleted' }),
      expect.objectContaining({ deliveryId: 'msg_1' }),
    )
  })

  it('never dispatches to Object.prototype: "constructor", "__proto__" and "toString" events are ignored', async () => {
    const { router, calls } = setup()
    for (const event of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect((await send(router, await qstashDelivery({ event }, `m_${event}`))).body.status).toBe('ignored')
    }
    expect(calls).toEqual([])
  })

  it('405 with Allow: POST for other methods', async () => {
    const { router, calls } = setup()
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await send(router, new Request(url, { method, ...(method === 'GET' ? {} : { body: '{}' }) }))
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('POST')
      expect(res.body.reason).toBe('method_not_allowed')
    }
    expect(calls).toEqual([])
  })

  it('413 for a declared oversized body without reading it, and for an undeclared one once reading passes the limit', async () => {
    const { router, calls } = setup({ maxBodyBytes: 1024 })
    const big = JSON.stringify({ event: 'onUploadComplete', pad: 'x'.repeat(2000) })
    const signed = await signQStash({ body: big, url })
    const declared = await send(
      router,
      new Request(url, { method: 'POST', headers: { ...json, ...signed, 'content-length': String(big.length) }, body: big }),
    )
    expect(declared).toMatchObject({ status: 413, body: { reason: 'payload_too_large' } })

    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(512).fill(32))
        if (pulled > 100) controller.close()
      },
    })
    const streamed = await send(
      router,
      new Request(url, { method: 'POST', headers: { ...json, ...signed }, body: stream, duplex: 'half' } as RequestInit),
    )
    expect(streamed.status).toBe(413)
    expect(pulled).toBeLessThan(6) // stopped at the limit, did not drain 50 KiB
    expect(calls).toEqual([])
  })

  it('415 for a non-JSON content type; JSON variants and a missing type are read', async () => {
    const { router } = setup()
    const text = await send(router, new Request(url, { method: 'POST', body: fixtureText(UPLOADKIT) })) // fetch's default: text/plain
    expect(text.status).toBe(415)
    const form = await qstashDelivery(undefined, 'm415', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(await send(router, form)).toMatchObject({ status: 415, body: { reason: 'unsupported_media_type' } })
    const variant = await qstashDelivery(undefined, 'mjson', { 'content-type': 'application/vnd.api+json; charset=utf-8' })
    expect((await send(router, variant)).status).toBe(200)
  })

  it('401 with a reason code for missing, bad, expired and wrong-URL signatures, and never the expected value', async () => {
    const { router, calls, seen } = setup()
    const body = fixtureText(UPLOADKIT)
    const cases: [Record<string, string>, string][] = [
      [{}, 'missing_signature'],
      [{ ...(await signQStash({ body, url, signingKey: 'sig_wrong' })) }, 'invalid_signature'],
      [{ ...(await signQStash({ body, url, now: 1_600_000_000 })) }, 'signature_expired'],
      [{ ...(await signQStash({ body, url: 'https://elsewhere.example/hook' })) }, 'wrong_url'],
      [{ ...(await signQStash({ body: `${body} `, url })) }, 'body_hash_mismatch'],
    ]
    for (const [headers, reason] of cases) {
      const res = await router.handle(
        new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }),
      )
      const text = await res.text()
      expect(res.status, reason).toBe(401)
      expect(JSON.parse(text).reason).toBe(reason)
      expect(text).not.toMatch(/sig_dev|[A-Za-z0-9_-]{43}/) // no key, no expected hash or MAC
    }
    expect(calls).toEqual([])
    expect(seen).toEqual([])
  })

  it('400 for malformed JSON, a non-object body, no event type, and no delivery ID', async () => {
    const { router, calls } = setup()
    for (const [event, reason] of [
      ['{"event":', 'malformed_json'],
      ['[1,2]', 'malformed_json'],
      ['{"hello":"world"}', 'missing_event_type'],
    ] as const) {
      expect(await send(router, await qstashDelivery(event, `m_${reason}`))).toMatchObject({ status: 400, body: { reason } })
    }
    const { 'upstash-message-id': _, ...noId } = await signQStash({ body: fixtureText(UPLOADKIT), url })
    const res = await send(router, new Request(url, { method: 'POST', headers: { ...json, ...noId }, body: fixtureText(UPLOADKIT) }))
    expect(res).toMatchObject({ status: 400, body: { reason: 'missing_delivery_id' } })
    expect(calls).toEqual([])
  })

  it('409 with Retry-After while another worker holds the claim', async () => {
    let finish!: () => void
    const { router } = setup({ handlers: { onUploadComplete: () => new Promise<void>((r) => (finish = r)) } })
    const first = router.handle(await qstashDelivery())
    await vi.waitFor(() => expect(finish).toBeTypeOf('function'))
    const second = await send(router, await qstashDelivery())
    expect(second).toMatchObject({ status: 409, body: { reason: 'in_flight' } })
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0)
    finish()
    expect((await first).status).toBe(200)
  })

  it('500 naming no internals when a handler throws; the claim is released so the retry runs and succeeds', async () => {
    let attempts = 0
    const onError = vi.fn()
    const { router, calls } = setup({
      onError,
      handlers: {
        onUploadComplete: () => {
          if (++attempts === 1) throw new Error('database password is hunter2')
        },
      },
    })
    const failed = await router.handle(await qstashDelivery())
    const text = await failed.text()
    expect(failed.status).toBe(500)
    expect(JSON.parse(text)).toEqual({ status: 'error', reason: 'handler_failed' })
    expect(text).not.toContain('hunter2')
    expect(onError).toHaveBeenCalledWith(expect.any(Error), expect.objectContaining({ phase: 'handler', deliveryId: 'msg_1' }))
    expect((await send(router, await qstashDelivery())).body.status).toBe('processed')
    expect(attempts).toBe(2)
    expect(calls.map((c) => c.op)).toEqual(['claim', 'release', 'claim', 'commit'])
  })

  it('NonRetryableError: 489 + Upstash-NonRetryable-Error for QStash, 422 for other senders; claim released', async () => {
    const { router, calls } = setup({
      handlers: {
        onUploadComplete: () => {
          throw new NonRetryableError('user deleted')
        },
        'file.uploaded': () => {
          throw new NonRetryableError('not an image')
        },
      },
    })
    const qs = await send(router, await qstashDelivery())
    expect(qs.status).toBe(489)
    expect(qs.headers.get('upstash-nonretryable-error')).toBe('true')
    expect(qs.body.reason).toBe('non_retryable')
    const uc = await send(router, await createTestDelivery({ verifier: 'uploadcare', event: fixture(UPLOADCARE_07), url }))
    expect(uc.status).toBe(422)
    expect(calls.filter((c) => c.op === 'release')).toHaveLength(2)
  })

  it('503 with Retry-After when the store is down (fail closed); onStoreError "process" runs the handler anyway', async () => {
    const handler = vi.fn()
    const closed = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      store: downStore,
      logger: silentLogger,
      handlers: { onUploadComplete: handler },
    })
    const res = await send(closed, await qstashDelivery())
    expect(res).toMatchObject({ status: 503, body: { reason: 'store_unavailable' } })
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(handler).not.toHaveBeenCalled()

    const open = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      store: downStore,
      onStoreError: 'process',
      logger: silentLogger,
      handlers: { onUploadComplete: handler },
    })
    expect((await send(open, await qstashDelivery())).body.status).toBe('processed')
    expect(handler).toHaveBeenCalledOnce()
  })

  it('picks the verifier whose header is present, keys dedupe per verifier, and 401s when none is', async () => {
    const { router, seen, calls } = setup()
    expect((await send(router, await createTestDelivery({ verifier: 'uploadcare', event: fixture(UPLOADCARE_07), url }))).status).toBe(200)
    expect((await send(router, await qstashDelivery(fixture(QSTASH_FAILURE), 'msg_cb'))).status).toBe(200)
    expect(seen.map((s) => s.type)).toEqual(['file.uploaded', 'qstash.failure'])
    expect(calls[0]!.key).toMatch(/^upload-webhooks:uploadcare:[0-9a-f]{64}$/)
    const unsigned = await send(router, new Request(url, { method: 'POST', headers: json, body: '{}' }))
    expect(unsigned).toMatchObject({ status: 401, body: { reason: 'missing_signature' } })
  })

  it('gives handlers the typed event and delivery context', async () => {
    const handler = vi.fn()
    const { router } = setup({ handlers: { onUploadComplete: handler }, dedupe: { keyPrefix: 'app' } })
    await router.handle(await qstashDelivery())
    const [event, ctx] = handler.mock.calls[0]!
    expect(event).toMatchObject({ type: 'onUploadComplete', sender: 'qstash', file: { id: 'file_abc123', name: 'photo.jpg' } })
    expect(ctx).toMatchObject({ deliveryId: 'msg_1', attempt: 0, sender: 'qstash', rawBody: JSON.stringify(fixture(UPLOADKIT)) })
  })

  it('rejects bad configuration at construction with the fix in the message', () => {
    expect(() => createWebhookRouter({ handlers: {} } as any)).toThrow(WebhookConfigError)
    expect(() => createWebhookRouter({ verify: qstash({ ...devSigningKeys }) } as any)).toThrow(/handlers/)
    expect(() => createWebhookRouter({ verify: qstash({ ...devSigningKeys }), handlers: {}, maxBodyBytes: -1 })).toThrow(/maxBodyBytes/)
  })
})

describe('createWebhookRouter: a verifier that returns no delivery ID', () => {
  it('keys each delivery by its own body, even when the verifier returns one frozen object every time', async () => {
    const verdict = Object.freeze({})
    const seen: string[] = []
    const router = createWebhookRouter({
      verify: { name: 'custom', matches: () => true, verify: () => verdict },
      store: memoryStore(),
      logger: silentLogger,
      handlers: { 'custom.uploaded': (_event, ctx) => void seen.push(ctx.deliveryId) },
    })
    const deliver = (body: string) => router.receive({ method: 'POST', url, headers: json, body })
    const first = JSON.stringify({ type: 'custom.uploaded', id: 'a' })
    const second = JSON.stringify({ type: 'custom.uploaded', id: 'b' })
    expect((await deliver(first)).outcome).toBe('processed')
    expect((await deliver(second)).outcome).toBe('processed')
    expect((await deliver(first)).outcome).toBe('duplicate')
    const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex')
    expect(seen).toEqual([sha256Hex(first), sha256Hex(second)])
    expect(verdict).toEqual({})
  })
})

/** A thenable that is not a native promise, as other promise libraries make them. */
const thenable = <T>(settle: (resolve: (value: T) => void, reject: (error: Error) => void) => void) => ({
  // biome-ignore lint/suspicious/noThenProperty: a foreign thenable is what these tests hand the router
  then: (resolve: (value: T) => void, reject: (error: Error) => void) => settle(resolve, reject),
})

describe('createWebhookRouter: verifiers and handlers that answer at once or later', () => {
  const body = JSON.stringify({ type: 'custom.uploaded', id: 'a' })
  const routerWith = (verify: () => unknown, handler: () => unknown = () => {}) =>
    createWebhookRouter({
      verify: { name: 'custom', matches: () => true, verify: verify as () => { deliveryId: string } },
      store: memoryStore(),
      logger: silentLogger,
      handlers: { 'custom.uploaded': handler },
    })
  const deliver = (router: ReturnType<typeof routerWith>) => router.receive({ method: 'POST', url, headers: json, body })

  it('takes a verdict as a value, a promise or any other thenable, and refuses one thrown or rejected either way', async () => {
    const verdict = { deliveryId: 'd1' }
    for (const verify of [() => verdict, async () => verdict, () => thenable((resolve) => resolve(verdict))]) {
      expect((await deliver(routerWith(verify))).outcome).toBe('processed')
    }
    const refusal = new VerificationError('invalid_signature', 'no')
    for (const verify of [
      () => {
        throw refusal
      },
      async () => {
        throw refusal
      },
    ]) {
      expect(await deliver(routerWith(verify))).toMatchObject({ status: 401, outcome: 'invalid_signature' })
    }
  })

  it('awaits a handler that returns a thenable, and releases the claim when it rejects', async () => {
    let settled = false
    const later = () =>
      thenable<void>((resolve) => {
        setTimeout(() => {
          settled = true
          resolve()
        }, 5)
      })
    expect((await deliver(routerWith(() => ({ deliveryId: 'd2' }), later))).outcome).toBe('processed')
    expect(settled).toBe(true)
    let calls = 0
    const failing = routerWith(
      () => ({ deliveryId: 'd3' }),
      () => thenable((_, reject) => reject(new Error(`attempt ${++calls}`))),
    )
    expect((await deliver(failing)).status).toBe(500)
    expect((await deliver(failing)).status).toBe(500)
    expect(calls).toBe(2)
  })
})

describe('createWebhookRouter: stores that answer at once, later, or throw', () => {
  const body = JSON.stringify({ type: 'custom.uploaded', id: 'a' })
  const routerWith = (store: DedupeStore, handler: () => unknown = () => {}, onStoreError: 'reject' | 'process' = 'reject') =>
    createWebhookRouter({
      verify: { name: 'custom', matches: () => true, verify: () => ({ deliveryId: 'd1' }) },
      store,
      onStoreError,
      logger: silentLogger,
      handlers: { 'custom.uploaded': handler },
    })
  const deliver = (router: ReturnType<typeof routerWith>) => router.receive({ method: 'POST', url, headers: json, body })
  const throwing = () => {
    throw new Error('ECONNREFUSED')
  }

  it('memoryStore() answers without a promise, and the router still dedupes through it', async () => {
    const store = memoryStore()
    expect(store.claim('k', 'claim:f:1', 30)).toEqual({ state: 'claimed' })
    expect(store.commit('k', 'claim:f:1', 60)).toBe(true)
    expect(store.release('k', 'claim:f:1')).toBe(false)
    const router = routerWith(memoryStore())
    expect((await deliver(router)).outcome).toBe('processed')
    expect((await deliver(router)).outcome).toBe('duplicate')
  })

  it('takes a store that answers through a foreign thenable', async () => {
    const inner = memoryStore()
    const later: DedupeStore = {
      claim: (...args) => thenable((resolve) => resolve(inner.claim(...args) as ClaimOutcome)) as Promise<ClaimOutcome>,
      commit: (...args) => thenable((resolve) => resolve(inner.commit(...args) as boolean)) as Promise<boolean>,
      release: (...args) => thenable((resolve) => resolve(inner.release(...args) as boolean)) as Promise<boolean>,
    }
    const router = routerWith(later)
    expect((await deliver(router)).outcome).toBe('processed')
    expect((await deliver(router)).outcome).toBe('duplicate')
  })

  it('answers 503 when claim throws at once, and runs the handler without dedupe under onStoreError "process"', async () => {
    const handler = vi.fn()
    const down: DedupeStore = { claim: throwing, commit: throwing, release: throwing }
    expect(await deliver(routerWith(down, handler))).toMatchObject({ status: 503, outcome: 'store_unavailable' })
    expect(handler).not.toHaveBeenCalled()
    expect((await deliver(routerWith(down, handler, 'process'))).outcome).toBe('processed')
    expect(handler).toHaveBeenCalledOnce()
  })

  it('counts a delivery processed when commit throws at once, and keeps the claim locked for the retry', async () => {
    const inner = memoryStore()
    const failingCommit: DedupeStore = {
      claim: (...args) => inner.claim(...args),
      commit: throwing,
      release: (...args) => inner.release(...args),
    }
    const handler = vi.fn()
    const router = routerWith(failingCommit, handler)
    expect((await deliver(router)).outcome).toBe('processed')
    expect(await deliver(router)).toMatchObject({ status: 409, outcome: 'in_flight' })
    expect(handler).toHaveBeenCalledOnce()
  })

  it('gives the claim back when the handler throws, even if release throws at once', async () => {
    const inner = memoryStore()
    let releases = 0
    const failingRelease: DedupeStore = {
      claim: (...args) => inner.claim(...args),
      commit: (...args) => inner.commit(...args),
      release: () => {
        releases++
        throw new Error('ECONNREFUSED')
      },
    }
    const router = routerWith(failingRelease, throwing)
    expect(await deliver(router)).toMatchObject({ status: 500, outcome: 'handler_failed' })
    expect(releases).toBe(1)
  })
})
