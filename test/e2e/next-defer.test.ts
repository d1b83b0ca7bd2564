// examples/next in its deferred mode, built and started as `pnpm start` runs it, on the
// repository's local QStash: the webhook route answers 202 accepted, QStash delivers the job to the
// app's own consumer route, whose handler's effect then shows at GET /uploads.
import { readFileSync } from 'node:fs'
import { signQStash } from '@upload-webhooks/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalQStash } from '../../infra/local/qstash.js'
import { exampleDir, type RunningApp, run, startApp } from './harness.js'
import { e2eKeys } from './suite.js'

const uploadBody = readFileSync(new URL('../fixtures/uploadkit-onUploadComplete.json', import.meta.url), 'utf8')
const WEBHOOK_PATH = '/api/webhooks/upload'
const CONSUMER_PATH = '/api/webhooks/upload/consumer'
const TOKEN = 'local-qstash-token'

interface Answer {
  status: number
  body: { status: string; reason?: string; deliveryId?: string }
}

async function until<T>(what: string, value: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const found = await value()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`no ${what} within 10 s`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('examples/next in the deferred mode (DEFER_URL), on the local QStash', () => {
  const cwd = exampleDir('next')
  let app: RunningApp
  let qstashUrl: string
  // QStash signs jobs with the account's keys, the ones the app verifies deliveries with.
  const qstash = new LocalQStash({
    token: TOKEN,
    urlGroups: {},
    signingKeys: { current: e2eKeys.QSTASH_CURRENT_SIGNING_KEY, next: e2eKeys.QSTASH_NEXT_SIGNING_KEY },
  })

  beforeAll(async () => {
    await run('pnpm', ['run', 'build'], cwd)
    qstashUrl = await qstash.listen()
    app = await startApp('pnpm', ['run', 'start'], cwd, (origin) => ({
      ...e2eKeys,
      WEBHOOK_PUBLIC_URL: `${origin}${WEBHOOK_PATH}`,
      DEFER_URL: `${origin}${CONSUMER_PATH}`,
      QSTASH_URL: qstashUrl,
      QSTASH_TOKEN: TOKEN,
    }))
  })
  afterAll(async () => {
    await app?.stop()
    await qstash.close()
  })

  async function post(path: string, body: string, signed: Record<string, string>): Promise<Answer> {
    const response = await fetch(`${app.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body,
    })
    return { status: response.status, body: (await response.json()) as Answer['body'] }
  }
  const deliver = async (messageId: string, retried = 0) =>
    post(WEBHOOK_PATH, uploadBody, {
      ...(await signQStash({
        body: uploadBody,
        url: `${app.origin}${WEBHOOK_PATH}`,
        messageId,
        retried,
        signingKey: e2eKeys.QSTASH_CURRENT_SIGNING_KEY,
      })),
    })
  const uploads = async () => ((await (await fetch(`${app.origin}/uploads`)).json()) as { uploads: { deliveryId: string }[] }).uploads

  it('says at startup that it defers through QStash to its consumer route', () => {
    expect(app.output()).toContain(`handlers: DEFERRED through QStash at ${qstashUrl} (QSTASH_URL)`)
    expect(app.output()).toContain(`QStash delivers each job to ${app.origin}${CONSUMER_PATH} (DEFER_URL)`)
    expect(app.output()).not.toContain('handlers: inline')
  })

  it('answers 202 accepted, then QStash delivers the job to the consumer route, whose handler saves the upload', async () => {
    expect(await deliver('msg_defer_1')).toEqual({ status: 202, body: { status: 'accepted', deliveryId: 'msg_defer_1' } })
    const saved = await until('upload at GET /uploads', async () => (await uploads()).find((u) => u.deliveryId === 'msg_defer_1'))
    expect(saved).toMatchObject({ deliveryId: 'msg_defer_1', sender: 'qstash', file: { id: 'file_abc123', name: 'photo.jpg' } })
    await qstash.idle()
    expect(qstash.deliveries.map((d) => [d.url, d.status])).toEqual([[`${app.origin}${CONSUMER_PATH}`, 200]])
  })

  it('answers the same message again 200 duplicate, enqueues nothing, and runs no handler', async () => {
    expect(await deliver('msg_defer_1', 1)).toEqual({ status: 200, body: { status: 'duplicate', deliveryId: 'msg_defer_1' } })
    await qstash.idle()
    expect(qstash.publishes).toHaveLength(1)
    expect((await uploads()).filter((u) => u.deliveryId === 'msg_defer_1')).toHaveLength(1)
  })

  it('shows the delivery in the live log as 202 accepted, then the job as 200 processed', async () => {
    const log = (await (await fetch(`${app.origin}/deliveries`)).json()) as {
      deliveries: { status: number; outcome: string; deliveryId?: string }[]
    }
    const rows = log.deliveries.filter((d) => d.deliveryId === 'msg_defer_1').reverse()
    expect(rows.map((d) => `${d.status} ${d.outcome}`)).toEqual(['202 accepted', '200 processed', '200 duplicate'])
  })

  it('refuses a job posted straight to the consumer route (401), unsigned or signed with another key, and runs no handler', async () => {
    const job = JSON.stringify({
      v: 1,
      deliveryId: 'msg_defer_forged',
      sender: 'qstash',
      type: 'onUploadComplete',
      event: JSON.parse(uploadBody),
      receivedAt: new Date().toISOString(),
    })
    expect(await post(CONSUMER_PATH, job, {})).toEqual({ status: 401, body: { status: 'error', reason: 'missing_signature' } })
    const forged = await signQStash({
      body: job,
      url: `${app.origin}${CONSUMER_PATH}`,
      messageId: 'msg_forged',
      signingKey: 'sig_not_the_key',
    })
    expect(await post(CONSUMER_PATH, job, forged)).toEqual({ status: 401, body: { status: 'error', reason: 'invalid_signature' } })
    expect((await uploads()).map((u) => u.deliveryId)).not.toContain('msg_defer_forged')
  })
})
