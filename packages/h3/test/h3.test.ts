// h3-specific behaviour on h3 v1 (Nuxt 4 / Nitro 2) and v2 in real servers: mounting, reading the
// body before the handler, and the request URL used for QStash's `sub`. Shared cases: test/adapters/.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { qstash, type WebhookEvent } from '@upload-webhooks/core'
import { devSigningKeys, signQStash, silentLogger } from '@upload-webhooks/core/testing'
import { H3, readBody as readBodyV2 } from 'h3'
import { toNodeHandler } from 'h3/node'
import * as v1 from 'h3-v1'
import { afterEach, describe, expect, it } from 'vitest'
import { type UploadWebhooksOptions, uploadWebhooks } from '../src/index.js'

const PATH = '/api/webhooks/upload'
const body = JSON.stringify({ event: 'onUploadComplete', file: { id: 'file_1', key: 'uploads/a.jpg' } })

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

async function listen(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(listener)
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function options(seen: WebhookEvent[] = [], extra: Partial<UploadWebhooksOptions> = {}): UploadWebhooksOptions {
  return {
    verify: qstash({ ...devSigningKeys }),
    handlers: { onUploadComplete: (event) => void seen.push(event) },
    logger: silentLogger,
    ...extra,
  }
}

async function post(
  base: string,
  { url = base + PATH, headers = {}, path = PATH }: { url?: string; headers?: Record<string, string>; path?: string } = {},
) {
  const signed = await signQStash({ body, url })
  return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...signed, ...headers }, body })
}

type Mount = (handler: ReturnType<typeof uploadWebhooks>, before?: 'parse-json') => (req: IncomingMessage, res: ServerResponse) => void

const mountV1: Mount = (handler, before) => {
  const app = v1.createApp()
  if (before === 'parse-json') {
    // A Node body parser (express-style) mounted in front: consumes the stream, leaves an object.
    app.use(
      v1.fromNodeMiddleware(async (req: IncomingMessage & { body?: unknown }, _res, next) => {
        let text = ''
        for await (const chunk of req) text += chunk
        req.body = JSON.parse(text)
        next()
      }),
    )
  }
  app.use(PATH, handler)
  return v1.toNodeListener(app)
}

const mountV2: Mount = (handler, before) => {
  const app = new H3()
  if (before === 'parse-json') app.use(async (event) => void (await readBodyV2(event)))
  app.use(PATH, handler)
  return toNodeHandler(app) as (req: IncomingMessage, res: ServerResponse) => void
}

describe.each([
  ['h3 v1', mountV1],
  ['h3 v2', mountV2],
] as const)('%s', (_name, mount) => {
  it('app.use(path, handler) handles its path; other paths and methods are h3’s or core’s', async () => {
    const seen: WebhookEvent[] = []
    const base = await listen(mount(uploadWebhooks(options(seen))))
    const ok = await post(base)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ status: 'processed' })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ file: { id: 'file_1' } })

    expect((await post(base, { path: '/other' })).status).toBe(404)
    const get = await fetch(base + PATH)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
  })

  it('answers 500 raw_body_unavailable at once when something parsed the body first', async () => {
    const seen: WebhookEvent[] = []
    const base = await listen(mount(uploadWebhooks(options(seen)), 'parse-json'))
    const started = performance.now()
    const res = await post(base)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(res.status).toBe(500)
    expect(await res.json()).toMatchObject({ reason: 'raw_body_unavailable', message: expect.stringMatching(/before uploadWebhooks/) })
    expect(seen).toHaveLength(0)
  })

  it('uses `url` for the QStash sub check when given', async () => {
    const publicUrl = `https://hooks.example.com${PATH}`
    const base = await listen(mount(uploadWebhooks(options([], { url: publicUrl }))))
    expect((await post(base, { url: publicUrl })).status).toBe(200)
    expect((await post(base)).status).toBe(401)
  })

  it('ignores X-Forwarded-Host by default', async () => {
    const base = await listen(mount(uploadWebhooks(options())))
    const headers = { 'x-forwarded-host': 'hooks.example.com' }
    expect((await post(base, { url: `http://hooks.example.com${PATH}`, headers })).status).toBe(401)
    expect((await post(base, { headers })).status).toBe(200)
  })
})

describe('registered as a POST route, the way Nitro registers server/api/webhooks/upload.post.ts', () => {
  it('h3 v1: createRouter().post(path, handler)', async () => {
    const app = v1.createApp()
    app.use(v1.createRouter().post(PATH, uploadWebhooks(options())))
    const base = await listen(v1.toNodeListener(app))
    expect((await post(base)).status).toBe(200)
  })

  it('h3 v2: app.post(path, handler)', async () => {
    const app = new H3().post(PATH, uploadWebhooks(options()))
    const base = await listen(toNodeHandler(app) as (req: IncomingMessage, res: ServerResponse) => void)
    expect((await post(base)).status).toBe(200)
  })
})

describe('h3 v1 specifics', () => {
  it('uses the raw bytes h3 kept when readBody() ran first', async () => {
    const app = v1.createApp()
    app.use(v1.defineEventHandler(async (event) => void (await v1.readBody(event))))
    app.use(PATH, uploadWebhooks(options()))
    const base = await listen(v1.toNodeListener(app))
    expect((await post(base)).status).toBe(200)
  })

  it('honours X-Forwarded-Proto only with trustProxy: a client cannot choose the URL sub is checked against', async () => {
    const untrusted = await listen(mountV1(uploadWebhooks(options())))
    const host = new URL(untrusted).host
    expect((await post(untrusted, { url: `https://${host}${PATH}`, headers: { 'x-forwarded-proto': 'https' } })).status).toBe(401)
    const trusted = await listen(mountV1(uploadWebhooks({ ...options(), trustProxy: true })))
    const trustedHost = new URL(trusted).host
    expect((await post(trusted, { url: `https://${trustedHost}${PATH}`, headers: { 'x-forwarded-proto': 'https' } })).status).toBe(200)
  })

  it('works as a plain web handler (toWebHandler), the way edge presets run it', async () => {
    const app = v1.createApp()
    app.use(PATH, uploadWebhooks(options()))
    const handle = v1.toWebHandler(app)
    const url = `https://edge.example.com${PATH}`
    const signed = await signQStash({ body, url })
    const res = await handle(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body }))
    expect(res.status).toBe(200)
  })
})
