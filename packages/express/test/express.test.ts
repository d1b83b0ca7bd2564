// Express-specific behaviour on Express 4 and 5 in real servers: mounting, raw-body sources,
// body-parser-first, trust proxy and size limits. The shared cases are in test/adapters/.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { qstash, type WebhookEvent } from '@upload-webhooks/core'
import { devSigningKeys, signQStash, silentLogger } from '@upload-webhooks/core/testing'
import express5 from 'express'
import express4 from 'express4'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type UploadWebhooksOptions, uploadWebhooks } from '../src/index.js'

const PATH = '/api/webhooks/upload'
const body = JSON.stringify({ event: 'onUploadComplete', file: { id: 'file_1', key: 'uploads/a.jpg' } })
const verify = () => qstash({ ...devSigningKeys })

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

async function listen(app: (req: any, res: any) => void): Promise<string> {
  server = createServer(app)
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function options(seen: WebhookEvent[] = [], extra: Partial<UploadWebhooksOptions> = {}): UploadWebhooksOptions {
  return { verify: verify(), handlers: { onUploadComplete: (event) => void seen.push(event) }, logger: silentLogger, ...extra }
}

async function post(
  base: string,
  { url = base + PATH, headers = {}, payload = body }: { url?: string; headers?: Record<string, string>; payload?: string } = {},
) {
  const signed = await signQStash({ body: payload, url })
  return fetch(base + PATH, { method: 'POST', headers: { 'content-type': 'application/json', ...signed, ...headers }, body: payload })
}

describe.each([
  ['Express 5', express5],
  ['Express 4', express4],
] as const)('%s', (_name, express) => {
  function fallThrough(app: ReturnType<typeof express5>) {
    app.use((_req, res) => void res.status(404).json({ fellThrough: true }))
    return app
  }

  it('app.use() at the root without `path` warns once, naming `path`, at the first request that is not a webhook', async () => {
    const warn = vi.fn()
    const app = express()
    app.use(uploadWebhooks(options([], { logger: { warn, error() {} } })))
    app.get('/health', (_req, res) => void res.json({ ok: true }))
    const base = await listen(app)
    expect((await post(base)).status).toBe(200)
    expect(warn).not.toHaveBeenCalled()
    expect((await fetch(`${base}/health`)).status).toBe(405)
    await fetch(`${base}/health`)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]![0]).toMatch(/`path`.*app\.post\(path/)
  })

  it('app.post(path, mw) and app.use(path, mw) never warn', async () => {
    const warn = vi.fn()
    const app = express()
    app.post(PATH, uploadWebhooks(options([], { logger: { warn, error() {} } })))
    app.use('/mounted', uploadWebhooks(options([], { logger: { warn, error() {} } })))
    const base = await listen(app)
    await fetch(base + PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    await fetch(`${base}/mounted`)
    expect(warn).not.toHaveBeenCalled()
  })

  it('app.use() with `path` handles its path, lets other paths through, and answers 405 to GET', async () => {
    const seen: WebhookEvent[] = []
    const app = express()
    app.use(uploadWebhooks(options(seen, { path: PATH })))
    const base = await listen(fallThrough(app))

    const ok = await post(base)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ status: 'processed' })
    expect(seen).toHaveLength(1)

    const other = await fetch(`${base}/health`)
    expect(other.status).toBe(404)
    expect(await other.json()).toEqual({ fellThrough: true })

    const get = await fetch(base + PATH)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
  })

  it('app.post(path, handler) works without `path`', async () => {
    const app = express()
    app.post(PATH, uploadWebhooks(options()))
    const base = await listen(fallThrough(app))
    expect((await post(base)).status).toBe(200)
    expect((await fetch(base + PATH)).status).toBe(404) // Express routes GET elsewhere
  })

  it('answers 500 raw_body_unavailable at once when express.json() ran first', async () => {
    const seen: WebhookEvent[] = []
    const app = express()
    app.use(express.json())
    app.post(PATH, uploadWebhooks(options(seen)))
    const base = await listen(app)
    const started = performance.now()
    const res = await post(base)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(res.status).toBe(500)
    const answer = await res.json()
    expect(answer).toMatchObject({ reason: 'raw_body_unavailable' })
    expect(answer.message).toMatch(/before express\.json\(\).*express\.raw/)
    expect(seen).toHaveLength(0)
  })

  it('uses the Buffer express.raw() left in req.body', async () => {
    const app = express()
    app.post(PATH, express.raw({ type: 'application/json' }), uploadWebhooks(options()))
    const base = await listen(app)
    expect((await post(base)).status).toBe(200)
  })

  it('uses req.rawBody set by a body parser verify callback', async () => {
    const app = express()
    app.use(
      express.json({
        verify: (req, _res, buf) => {
          ;(req as { rawBody?: Buffer }).rawBody = buf
        },
      }),
    )
    app.post(PATH, uploadWebhooks(options()))
    const base = await listen(app)
    expect((await post(base)).status).toBe(200)
  })

  describe('the QStash `sub` URL behind a proxy', () => {
    const publicUrl = `https://hooks.example.com${PATH}`
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' }

    it('ignores X-Forwarded-* while trust proxy is off', async () => {
      const app = express()
      app.use(uploadWebhooks(options([], { path: PATH })))
      const base = await listen(app)
      const res = await post(base, { url: publicUrl, headers: forwarded })
      expect(res.status).toBe(401)
      // ...and the forwarded headers cannot forge the local URL either way.
      expect((await post(base, { headers: forwarded })).status).toBe(200)
    })

    it('honours X-Forwarded-Proto and -Host with trust proxy on', async () => {
      const app = express()
      app.set('trust proxy', 'loopback')
      app.use(uploadWebhooks(options([], { path: PATH })))
      const base = await listen(app)
      expect((await post(base, { url: publicUrl, headers: forwarded })).status).toBe(200)
      expect((await post(base, { headers: forwarded })).status).toBe(401)
    })

    it('uses `url` when given, whatever the request says', async () => {
      const app = express()
      app.use(uploadWebhooks(options([], { path: PATH, url: publicUrl })))
      const base = await listen(app)
      expect((await post(base, { url: publicUrl })).status).toBe(200)
      expect((await post(base)).status).toBe(401)
    })
  })

  describe('oversized bodies reach the client as 413', () => {
    const big = JSON.stringify({ event: 'onUploadComplete', pad: 'x'.repeat(4 * 1024 * 1024) })

    it('with Content-Length', async () => {
      const app = express()
      app.use(uploadWebhooks(options([], { path: PATH, maxBodyBytes: 1024 })))
      const base = await listen(app)
      const res = await post(base, { payload: big })
      expect(res.status).toBe(413)
      expect(await res.json()).toMatchObject({ reason: 'payload_too_large' })
    })

    it('chunked, without Content-Length', async () => {
      const app = express()
      app.use(uploadWebhooks(options([], { path: PATH, maxBodyBytes: 1024 })))
      const base = await listen(app)
      const signed = await signQStash({ body: big, url: base + PATH })
      const bytes = new TextEncoder().encode(big)
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.subarray(i, i + 16 * 1024))
          controller.close()
        },
      })
      const res = await fetch(base + PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signed },
        body: stream,
        duplex: 'half',
      } as RequestInit)
      expect(res.status).toBe(413)
    })
  })
})
