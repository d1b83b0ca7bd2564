// Conformance: every adapter in ./adapters.ts gives the sender core's answer, unchanged, for
// the cases that matter to a webhook sender. Deliveries are signed as QStash signs them.
import {
  type DedupeStore,
  type DeliveryReport,
  memoryStore,
  NonRetryableError,
  qstash,
  type WebhookEvent,
  type WebhookRouterOptions,
} from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSigningKeys, signQStash, silentLogger } from '@upload-webhooks/core/testing'
import { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'
import { freePort } from '../support/redis-server.js'
import { type AdapterRow, adapters } from './adapters.js'
import type { Endpoint } from './harness.js'

const redisUrl = inject('redisUrl')
const upload = { event: 'onUploadComplete', file: { id: 'file_abc123', key: 'uploads/abc123/photo.jpg' } }

const clients: Redis[] = []
afterAll(() => {
  for (const client of clients) client.disconnect()
})

function storeFor(row: AdapterRow): DedupeStore {
  if (row.store === 'memory') return memoryStore()
  const client = new Redis(redisUrl!)
  clients.push(client)
  return redisStore(client)
}

/** A store whose backend is unreachable: a Redis client pointed at a closed port, or a rejecting stub. */
async function deadStoreFor(row: AdapterRow): Promise<DedupeStore> {
  if (row.store === 'redis') {
    const client = new Redis(await freePort(), '127.0.0.1', {
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    })
    client.on('error', () => {}) // connection refused is the point; keep the log clean
    clients.push(client)
    return redisStore(client, { commandTimeoutMs: 500 })
  }
  const down = () => Promise.reject(new Error('store down'))
  return { claim: down, commit: down, release: down }
}

interface DeliveryInit {
  body?: string
  /** Body the signature is computed over, when it differs from `body` (tampering). */
  signedBody?: string
  messageId?: string
  retried?: number
  method?: string
  /** Send the body as a stream, so no Content-Length is declared. */
  chunked?: boolean
}

async function delivery(endpoint: Endpoint, init: DeliveryInit = {}): Promise<Request> {
  const body = init.body ?? JSON.stringify(upload)
  const headers = {
    'content-type': 'application/json',
    ...(await signQStash({
      body: init.signedBody ?? body,
      url: endpoint.url,
      messageId: init.messageId ?? `msg_${crypto.randomUUID()}`,
      retried: init.retried ?? 0,
    })),
  }
  const method = init.method ?? 'POST'
  if (method === 'GET' || method === 'HEAD') return new Request(endpoint.url, { method, headers })
  if (!init.chunked) return new Request(endpoint.url, { method, headers, body })
  const bytes = new TextEncoder().encode(body)
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.slice(i, i + 16 * 1024))
      controller.close()
    },
  })
  return new Request(endpoint.url, { method, headers, body: stream, duplex: 'half' } as RequestInit)
}

describe.each(adapters)('$name', (row) => {
  const skip = row.store === 'redis' && !redisUrl
  let endpoint: Endpoint | undefined
  afterEach(async () => {
    await endpoint?.close()
    endpoint = undefined
  })

  async function mount(handlers: WebhookRouterOptions['handlers'], extra: Partial<WebhookRouterOptions> = {}) {
    endpoint = await row.mount({
      verify: qstash({ ...devSigningKeys }),
      handlers,
      store: storeFor(row),
      dedupe: { keyPrefix: `conformance:${crypto.randomUUID()}` },
      logger: silentLogger,
      ...extra,
    })
    return endpoint
  }

  const send = async (request: Request) => {
    const response = await endpoint!.fetch(request)
    return { status: response.status, headers: response.headers, json: await response.json() }
  }

  it.skipIf(skip)('valid delivery → 200 processed, handler ran once with the event', async () => {
    const seen: WebhookEvent[] = []
    const ep = await mount({ onUploadComplete: (event) => void seen.push(event) })
    const res = await send(await delivery(ep, { messageId: 'msg_valid' }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.json).toEqual({ status: 'processed', deliveryId: 'msg_valid' })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ type: 'onUploadComplete', sender: 'qstash', file: { id: 'file_abc123' } })
  })

  it.skipIf(skip)('answers in one piece: a Content-Length, never a chunked body', async () => {
    const ep = await mount({ onUploadComplete: () => {} })
    const response = await ep.fetch(await delivery(ep, { messageId: 'msg_length' }))
    const body = await response.text()
    expect(JSON.parse(body)).toEqual({ status: 'processed', deliveryId: 'msg_length' })
    expect(response.headers.get('transfer-encoding')).toBeNull()
    // A returned Response (Next's App Router) gets its length from the server that sends it.
    if (ep.http) expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(body)))
  })

  it.skipIf(skip)('duplicate delivery → 200 duplicate, handler not run again', async () => {
    let calls = 0
    const ep = await mount({ onUploadComplete: () => void calls++ })
    expect((await send(await delivery(ep, { messageId: 'msg_dup' }))).json).toMatchObject({ status: 'processed' })
    const again = await send(await delivery(ep, { messageId: 'msg_dup', retried: 1 }))
    expect(again.status).toBe(200)
    expect(again.json).toEqual({ status: 'duplicate', deliveryId: 'msg_dup' })
    expect(calls).toBe(1)
  })

  it.skipIf(skip)('tampered body → 401, handler not run', async () => {
    let calls = 0
    const ep = await mount({ onUploadComplete: () => void calls++ })
    const signedBody = JSON.stringify(upload)
    const res = await send(await delivery(ep, { signedBody, body: signedBody.replace('abc123', 'evil99') }))
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ status: 'rejected' })
    expect(calls).toBe(0)
  })

  it.skipIf(skip)('unknown event → 200 ignored', async () => {
    let calls = 0
    const ep = await mount({ onUploadComplete: () => void calls++ })
    const res = await send(await delivery(ep, { body: JSON.stringify({ event: 'somethingElse' }), messageId: 'msg_unknown' }))
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ status: 'ignored', deliveryId: 'msg_unknown' })
    expect(calls).toBe(0)
  })

  const oversized = JSON.stringify({ ...upload, padding: 'x'.repeat(2 * 1024 * 1024) })
  for (const chunked of [false, true]) {
    it.skipIf(skip)(
      `oversized body ${chunked ? 'chunked, no Content-Length' : 'with Content-Length'} → 413 reaches the client`,
      async () => {
        let calls = 0
        const ep = await mount({ onUploadComplete: () => void calls++ }, { maxBodyBytes: 4096 })
        const res = await send(await delivery(ep, { body: oversized, chunked }))
        expect(res.status).toBe(413)
        expect(res.json).toMatchObject({ reason: 'payload_too_large' })
        expect(calls).toBe(0)
      },
    )
  }

  it.skipIf(skip)('wrong method → 405 with Allow: POST', async () => {
    const ep = await mount({ onUploadComplete: () => {} })
    for (const method of ['GET', 'PUT']) {
      const res = await send(await delivery(ep, { method }))
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('POST')
    }
  })

  it.skipIf(skip)('handler failure → 500, then the retry → 200 processed', async () => {
    let calls = 0
    const ep = await mount({
      onUploadComplete: () => {
        if (++calls === 1) throw new Error('database blip')
      },
    })
    const failed = await send(await delivery(ep, { messageId: 'msg_retry' }))
    expect(failed.status).toBe(500)
    expect(failed.json).toMatchObject({ status: 'error', reason: 'handler_failed' })
    const retried = await send(await delivery(ep, { messageId: 'msg_retry', retried: 1 }))
    expect(retried.status).toBe(200)
    expect(retried.json).toEqual({ status: 'processed', deliveryId: 'msg_retry' })
    expect(calls).toBe(2)
  })

  it.skipIf(skip)('NonRetryableError → 489 with Upstash-NonRetryable-Error for QStash', async () => {
    const ep = await mount({
      onUploadComplete: () => {
        throw new NonRetryableError('file type not allowed')
      },
    })
    const res = await send(await delivery(ep))
    expect(res.status).toBe(489)
    expect(res.headers.get('upstash-nonretryable-error')).toBe('true')
    expect(res.json).toMatchObject({ reason: 'non_retryable' })
  })

  it.skipIf(skip)('store down → 503 with Retry-After, handler not run', async () => {
    let calls = 0
    const ep = await mount({ onUploadComplete: () => void calls++ }, { store: await deadStoreFor(row) })
    const res = await send(await delivery(ep))
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(res.json).toMatchObject({ reason: 'store_unavailable' })
    expect(calls).toBe(0)
  })

  it.skipIf(skip)('onDelivery sees each request once: processed, duplicate, tampered, wrong method', async () => {
    const reports: DeliveryReport[] = []
    const ep = await mount({ onUploadComplete: () => {} }, { onDelivery: (report) => void reports.push(report) })
    await send(await delivery(ep, { messageId: 'msg_observed' }))
    await send(await delivery(ep, { messageId: 'msg_observed', retried: 1 }))
    const signedBody = JSON.stringify(upload)
    await send(await delivery(ep, { signedBody, body: signedBody.replace('abc123', 'evil99') }))
    await send(await delivery(ep, { method: 'GET' }))
    expect(
      reports.map(({ status, outcome, reason, sender, type, deliveryId, attempt }) => ({
        status,
        outcome,
        reason,
        sender,
        type,
        deliveryId,
        attempt,
      })),
    ).toEqual([
      {
        status: 200,
        outcome: 'processed',
        reason: undefined,
        sender: 'qstash',
        type: 'onUploadComplete',
        deliveryId: 'msg_observed',
        attempt: 0,
      },
      {
        status: 200,
        outcome: 'duplicate',
        reason: undefined,
        sender: 'qstash',
        type: 'onUploadComplete',
        deliveryId: 'msg_observed',
        attempt: 1,
      },
      {
        status: 401,
        outcome: 'rejected',
        reason: 'body_hash_mismatch',
        sender: undefined,
        type: undefined,
        deliveryId: undefined,
        attempt: undefined,
      },
      {
        status: 405,
        outcome: 'rejected',
        reason: 'method_not_allowed',
        sender: undefined,
        type: undefined,
        deliveryId: undefined,
        attempt: undefined,
      },
    ])
  })

  // ── The attacker holds one captured, validly signed delivery and controls every unsigned header. ──

  it.skipIf(skip)('the captured delivery under fresh message IDs → 401 replayed_signature, handler ran once', async () => {
    let calls = 0
    const ep = await mount({ onUploadComplete: () => void calls++ })
    const captured = await delivery(ep, { messageId: 'msg_captured' })
    const headers = Object.fromEntries(captured.headers)
    const body = await captured.text()
    expect((await send(new Request(ep.url, { method: 'POST', headers, body }))).json).toMatchObject({ status: 'processed' })
    for (const fresh of ['msg_forged_1', 'msg_forged_2', 'msg_forged_3']) {
      const replay = await send(new Request(ep.url, { method: 'POST', headers: { ...headers, 'upstash-message-id': fresh }, body }))
      expect(replay.status).toBe(401)
      expect(replay.json).toEqual({ status: 'rejected', reason: 'replayed_signature', message: expect.any(String) })
    }
    // The genuine retry (same ID) is still a duplicate.
    expect((await send(new Request(ep.url, { method: 'POST', headers, body }))).json).toMatchObject({ status: 'duplicate' })
    expect(calls).toBe(1)
  })

  it.skipIf(skip)('a processed ID with another validly signed body → 409 delivery_conflict, handler not run', async () => {
    let calls = 0
    const ep = await mount({ onUploadComplete: () => void calls++ })
    await send(await delivery(ep, { messageId: 'msg_conflict' }))
    const other = JSON.stringify({ ...upload, file: { ...upload.file, id: 'file_other' } })
    const res = await send(await delivery(ep, { messageId: 'msg_conflict', body: other }))
    expect(res.status).toBe(409)
    expect(res.json).toMatchObject({ status: 'rejected', reason: 'delivery_conflict' })
    expect(calls).toBe(1)
  })

  // Control characters cannot cross fetch; core's own tests send them through receive().
  it.skipIf(skip)('a delivery ID over 256 bytes → 400 invalid_delivery_id, never echoed', async () => {
    let calls = 0
    const ep = await mount({ onUploadComplete: () => void calls++ })
    for (const messageId of ['m'.repeat(257), '\u00e9'.repeat(200)]) {
      const res = await send(await delivery(ep, { messageId }))
      expect(res.status).toBe(400)
      expect(res.json).toMatchObject({ reason: 'invalid_delivery_id' })
      expect(JSON.stringify(res.json)).not.toContain(messageId)
    }
    expect(calls).toBe(0)
  })

  it.skipIf(skip)(
    'X-Forwarded-Host/-Proto from an untrusted client cannot choose the URL sub is checked against → 401 wrong_url',
    async () => {
      let calls = 0
      const ep = await mount({ onUploadComplete: () => void calls++ })
      const elsewhere = 'https://staging.example.com/api/webhooks/upload'
      const body = JSON.stringify(upload)
      const headers = {
        'content-type': 'application/json',
        'x-forwarded-host': 'staging.example.com',
        'x-forwarded-proto': 'https',
        ...(await signQStash({ body, url: elsewhere, messageId: 'msg_staging' })),
      }
      const res = await send(new Request(ep.url, { method: 'POST', headers, body }))
      expect(res.status).toBe(401)
      expect(res.json).toMatchObject({ reason: 'wrong_url' })
      expect(calls).toBe(0)
    },
  )

  it.skipIf(skip)('with `url` configured, only a token for that URL verifies, whatever Host the request names', async () => {
    let calls = 0
    const publicUrl = 'https://hooks.example.com/api/webhooks/upload'
    const ep = await mount({ onUploadComplete: () => void calls++ }, { url: publicUrl })
    const body = JSON.stringify(upload)
    const forPublic = await signQStash({ body, url: publicUrl, messageId: 'msg_public' })
    expect(
      (await send(new Request(ep.url, { method: 'POST', headers: { 'content-type': 'application/json', ...forPublic }, body }))).status,
    ).toBe(200)
    const forLocal = await signQStash({ body, url: ep.url, messageId: 'msg_local' })
    const res = await send(new Request(ep.url, { method: 'POST', headers: { 'content-type': 'application/json', ...forLocal }, body }))
    expect(res.json).toMatchObject({ reason: 'wrong_url' })
    expect(calls).toBe(1)
  })
})
