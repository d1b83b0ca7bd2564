import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { exampleDir, startApp, type RunningApp } from './harness.js'
import { exampleSuite } from './suite.js'

exampleSuite('express', { build: ['pnpm', 'run', 'build'], start: ['node', 'dist/server.js'], typecheck: ['pnpm', 'run', 'typecheck'] })

// Runs after the suite above, which built dist/.
const redisUrl = inject('redisUrl')
describe.skipIf(!redisUrl)('examples/express with REDIS_URL: two instances share one dedupe store', () => {
  const cwd = exampleDir('express')
  let first: RunningApp
  let second: RunningApp
  beforeAll(async () => {
    const start = () => startApp('node', ['dist/server.js'], cwd, { REDIS_URL: redisUrl! })
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
