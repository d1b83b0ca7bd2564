// Conformance: every adapter in ./adapters.ts gives the sender core's answer, unchanged, for
// the cases that matter to a webhook sender. Deliveries are signed as QStash signs them.
import {
  type DedupeStore,
  memoryStore,
  NonRetryableError,
  qstash,
  type WebhookEvent,
  type WebhookRouterOptions,
} from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'
import { freePort } from '../support/redis-server.js'
import { type AdapterRow, adapters } from './adapters.js'
import type { Endpoint } from './harness.js'

const redisUrl = inject('redisUrl')
const quiet = { warn() {}, error() {} }
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
      logger: quiet,
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
})
