import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { exampleDir, type RunningApp, startApp } from './harness.js'
import { e2eKeys, exampleSuite } from './suite.js'

exampleSuite('express', { build: ['pnpm', 'run', 'build'], start: ['pnpm', 'run', 'start'], typecheck: ['pnpm', 'run', 'typecheck'] })

// Runs after the suite above, which built dist/. Without NODE_ENV, as `pnpm dev` runs it.
describe('examples/express started without NODE_ENV (development): the dev keys', () => {
  let app: RunningApp
  beforeAll(async () => {
    app = await startApp('node', ['dist/server.js'], exampleDir('express'))
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('says at startup that it runs on the public dev signing keys, the in-memory store and inline handlers', () => {
    expect(app.output()).toContain('signing keys: the public DEV keys')
    expect(app.output()).toContain('dedupe store: in memory')
    expect(app.output()).toContain('mode: inline: handlers run before the answer')
  })

  it('processes a delivery signed with the dev key for its own URL', async () => {
    const endpoint = `${app.origin}/api/webhooks/upload`
    const body = JSON.stringify({ event: 'onUploadComplete', file: { id: 'file_dev', fileName: 'dev.png' } })
    const signed = await signQStash({ body, url: endpoint, messageId: 'msg_e2e_dev', signingKey: devSigningKeys.currentSigningKey })
    const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body })
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { status: 'processed', deliveryId: 'msg_e2e_dev' },
    })
  })
})

const redisUrl = inject('redisUrl')
describe.skipIf(!redisUrl)('examples/express with REDIS_URL: two instances share one dedupe store', () => {
  const cwd = exampleDir('express')
  let first: RunningApp
  let second: RunningApp
  beforeAll(async () => {
    const start = async () => {
      const app = await startApp('node', ['dist/server.js'], cwd, { REDIS_URL: redisUrl! })
      // Core makes the store at startup and names it; deliveries wait for its client to connect.
      await app.printed(`dedupe store: Redis at ${new URL(redisUrl!).host}`)
      return app
    }
    ;[first, second] = await Promise.all([start(), start()])
  })
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()])
  })

  async function deliver(app: RunningApp, messageId: string) {
    const endpoint = `${app.origin}/api/webhooks/upload`
    const body = JSON.stringify({ event: 'onUploadComplete', file: { id: 'file_redis', fileName: 'shared.png' } })
    const signed = await signQStash({ body, url: endpoint, messageId, signingKey: devSigningKeys.currentSigningKey })
    const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body })
    return { status: response.status, body: await response.json() }
  }

  it('says at startup that it uses Redis', () => {
    expect(first.output()).toContain(`dedupe store: Redis at ${new URL(redisUrl!).host}`)
  })

  it('runs the handler on one instance only when the same message reaches both', async () => {
    const messageId = `msg_e2e_redis_${Date.now()}`
    expect(await deliver(first, messageId)).toEqual({ status: 200, body: { status: 'processed', deliveryId: messageId } })
    expect(await deliver(second, messageId)).toEqual({ status: 200, body: { status: 'duplicate', deliveryId: messageId } })
    const seen = async (app: RunningApp) => ((await (await fetch(`${app.origin}/uploads`)).json()) as { uploads: unknown[] }).uploads.length
    expect([await seen(first), await seen(second)]).toEqual([1, 0])
  })
})

describe('examples/express in development with real QStash keys and a public URL (as behind a tunnel)', () => {
  const keys = e2eKeys
  const publicUrl = 'https://abc-tunnel.example.com/api/webhooks/upload'
  let app: RunningApp
  beforeAll(async () => {
    app = await startApp('node', ['dist/server.js'], exampleDir('express'), { ...keys, WEBHOOK_PUBLIC_URL: publicUrl })
  })
  afterAll(async () => {
    await app?.stop()
  })

  async function deliver(signingKey: string, signedUrl: string) {
    const body = JSON.stringify({ event: 'onUploadComplete', file: { id: 'file_tunnel', fileName: 'real.png' } })
    const signed = await signQStash({ body, url: signedUrl, messageId: `msg_${crypto.randomUUID()}`, signingKey })
    const response = await fetch(`${app.origin}/api/webhooks/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body,
    })
    return { status: response.status, body: (await response.json()) as { status: string; reason?: string } }
  }

  it('says it uses the keys from the environment and checks the public URL', () => {
    expect(app.output()).toContain('signing keys: QSTASH_CURRENT_SIGNING_KEY / QSTASH_NEXT_SIGNING_KEY from the environment')
    expect(app.output()).toContain(`signatures must name this URL: ${publicUrl}`)
  })

  it('accepts deliveries signed with the current or the next key for the public URL', async () => {
    expect((await deliver(keys.QSTASH_CURRENT_SIGNING_KEY, publicUrl)).body.status).toBe('processed')
    expect((await deliver(keys.QSTASH_NEXT_SIGNING_KEY, publicUrl)).body.status).toBe('processed')
  })

  it('no longer accepts the public dev keys', async () => {
    expect(await deliver(devSigningKeys.currentSigningKey, publicUrl)).toEqual({
      status: 401,
      body: expect.objectContaining({ reason: 'invalid_signature' }),
    })
  })

  it('refuses a delivery signed for the local URL instead of the public one', async () => {
    expect(await deliver(keys.QSTASH_CURRENT_SIGNING_KEY, `${app.origin}/api/webhooks/upload`)).toEqual({
      status: 401,
      body: expect.objectContaining({ reason: 'wrong_url' }),
    })
  })
})
