// Next-specific behaviour: App Router handler with web Requests, Pages Router handler in a real
// Node server (body parser left on, proxy headers), and an Edge-safe App Router import graph.

import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { qstash, type WebhookEvent } from '@upload-webhooks/core'
import { createTestDelivery, devSigningKeys, signQStash, silentLogger } from '@upload-webhooks/core/testing'
import type { NextApiRequest, NextApiResponse } from 'next'
import { afterEach, describe, expect, it } from 'vitest'
import { pagesUploadWebhooks, type UploadWebhooksOptions, uploadWebhooks } from '../src/index.js'

const PATH = '/api/webhooks/upload'
const event = { event: 'onUploadComplete', file: { id: 'file_1', key: 'uploads/a.jpg' } }
const body = JSON.stringify(event)

function options(seen: WebhookEvent[] = [], extra: Partial<UploadWebhooksOptions> = {}): UploadWebhooksOptions {
  return { verify: qstash({ ...devSigningKeys }), handlers: { onUploadComplete: (e) => void seen.push(e) }, logger: silentLogger, ...extra }
}

describe('App Router: uploadWebhooks()', () => {
  it('handles a signed web Request and answers core’s Response', async () => {
    const seen: WebhookEvent[] = []
    const POST = uploadWebhooks(options(seen))
    const res = await POST(
      await createTestDelivery({ verifier: 'qstash', event, url: `https://app.example.com${PATH}`, deliveryId: 'msg_1' }),
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'processed', deliveryId: 'msg_1' })
    expect(seen).toHaveLength(1)
  })

  it('answers 500 raw_body_unavailable when the body was already read', async () => {
    const POST = uploadWebhooks(options())
    const request = await createTestDelivery({ verifier: 'qstash', event })
    await request.text()
    const res = await POST(request)
    expect(res.status).toBe(500)
    expect(await res.json()).toMatchObject({ reason: 'raw_body_unavailable', message: expect.stringMatching(/before uploadWebhooks/) })
  })

  it('uses `url` for the QStash sub check when given', async () => {
    const POST = uploadWebhooks(options([], { url: `https://hooks.example.com${PATH}` }))
    const signedForPublic = await signQStash({ body, url: `https://hooks.example.com${PATH}` })
    const internal = (headers: Record<string, string>) =>
      new Request(`http://localhost:3000${PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
    expect((await POST(internal(signedForPublic))).status).toBe(200)
    expect((await POST(internal(await signQStash({ body, url: `http://localhost:3000${PATH}` })))).status).toBe(401)
  })

  it('checks sub against the addressed host (Host; X-Forwarded-* only with trustProxy), not the localhost `next start` puts in request.url', async () => {
    const POST = uploadWebhooks({ ...options(), trustProxy: true })
    const untrusted = uploadWebhooks(options())
    const asNextStartSeesIt = (headers: Record<string, string>, extra: Record<string, string>) =>
      new Request(`http://localhost:3000${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers, ...extra },
        body,
      })
    const viaHost = await signQStash({ body, url: `http://app.example.com${PATH}` })
    expect((await POST(asNextStartSeesIt(viaHost, { host: 'app.example.com' }))).status).toBe(200)
    const viaProxy = await signQStash({ body, url: `https://hooks.example.com${PATH}` })
    const forwarded = { host: 'internal:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' }
    expect((await POST(asNextStartSeesIt(viaProxy, forwarded))).status).toBe(200)
    // Without trustProxy a client's X-Forwarded-Host cannot pick the URL the token is checked against.
    expect(
      (await untrusted(asNextStartSeesIt(await signQStash({ body, url: `https://hooks.example.com${PATH}` }), forwarded))).status,
    ).toBe(401)
    expect(
      (await POST(asNextStartSeesIt(await signQStash({ body, url: `https://hooks.example.com${PATH}` }), { host: 'app.example.com' })))
        .status,
    ).toBe(401)
  })

  it('imports no node: module from its entry, core’s entry or their imports (Edge runtime)', () => {
    const here = dirname(fileURLToPath(import.meta.url))
    const coreSrc = resolve(here, '../../core/src')
    const seen = new Set<string>()
    const nodeImports: string[] = []
    const walk = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
        if (spec!.startsWith('node:') || spec === 'crypto' || spec === 'buffer') nodeImports.push(`${file}: ${spec}`)
        else if (spec === '@upload-webhooks/core') walk(resolve(coreSrc, 'index.ts'))
        else if (spec === '#crypto')
          walk(resolve(coreSrc, 'crypto/web.ts')) // the Edge condition's choice
        else if (spec!.startsWith('.')) walk(resolve(dirname(file), spec!.replace(/\.js$/, '.ts')))
      }
    }
    walk(resolve(here, '../src/index.ts'))
    expect(seen.size).toBeGreaterThan(10)
    expect(nodeImports).toEqual([])
  })
})

describe('Pages Router: pagesUploadWebhooks() in a real Node server', () => {
  let server: Server | undefined
  afterEach(async () => {
    server?.closeAllConnections()
    await new Promise((done) => server?.close(done) ?? done(undefined))
    server = undefined
  })

  async function listen(
    handler: ReturnType<typeof pagesUploadWebhooks>,
    before?: (req: IncomingMessage & { body?: unknown }) => Promise<void>,
  ) {
    server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      await before?.(req)
      await handler(req as NextApiRequest, res as NextApiResponse)
    })
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  const post = async (base: string, url: string, headers: Record<string, string> = {}) =>
    fetch(base + PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await signQStash({ body, url })), ...headers },
      body,
    })

  it('handles a delivery with bodyParser: false', async () => {
    const seen: WebhookEvent[] = []
    const base = await listen(pagesUploadWebhooks(options(seen)))
    const res = await post(base, base + PATH)
    expect(res.status).toBe(200)
    expect(seen).toHaveLength(1)
  })

  it('answers 500 naming `bodyParser: false` when Next parsed the body', async () => {
    // What Next's API body parser does when the route keeps its default config.
    const parse = async (req: IncomingMessage & { body?: unknown }) => {
      let text = ''
      for await (const chunk of req) text += chunk
      req.body = JSON.parse(text)
    }
    const base = await listen(pagesUploadWebhooks(options()), parse)
    const started = performance.now()
    const res = await post(base, base + PATH)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(res.status).toBe(500)
    expect(await res.json()).toMatchObject({ reason: 'raw_body_unavailable', message: expect.stringContaining('bodyParser: false') })
  })

  it('rebuilds the URL from X-Forwarded-Proto/-Host, as Next and Vercel set them, only with trustProxy', async () => {
    const base = await listen(pagesUploadWebhooks({ ...options(), trustProxy: true }))
    const publicUrl = `https://hooks.example.com${PATH}`
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' }
    expect((await post(base, publicUrl, forwarded)).status).toBe(200)
    expect((await post(base, publicUrl)).status).toBe(401)
    const untrusted = await listen(pagesUploadWebhooks(options()))
    expect((await post(untrusted, publicUrl, forwarded)).status).toBe(401)
  })
})
