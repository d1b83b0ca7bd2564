// examples/express in deferred mode as a user runs it: `DEFER=bullmq REDIS_URL=… pnpm dev` and
// `pnpm worker`, two processes on a real redis-server. The app answers 202 and the page's log
// shows the delivery accepted; only the worker runs the handler, and the log then shows it done.
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { exampleDir, type RunningApp, startApp, startPrinting, startRefused } from './harness.js'

const cwd = exampleDir('express')
const redisUrl = inject('redisUrl')

interface Row {
  status: number
  outcome: string
  deliveryId?: string
  explanation?: string
}

describe.skipIf(!redisUrl)('examples/express with DEFER=bullmq and `pnpm worker`', () => {
  const env = { DEFER: 'bullmq', REDIS_URL: redisUrl! }
  const messageId = `msg_e2e_defer_${Date.now()}`
  let app: RunningApp
  let worker: RunningApp | undefined
  beforeAll(async () => {
    app = await startApp('pnpm', ['run', 'dev'], cwd, env)
  })
  afterAll(async () => {
    await Promise.all([app?.stop(), worker?.stop()])
  })

  async function deliver(retried: number) {
    const endpoint = `${app.origin}/api/webhooks/upload`
    const body = JSON.stringify({ event: 'onUploadComplete', file: { id: 'file_deferred', fileName: 'deferred.png' } })
    const signed = await signQStash({ body, url: endpoint, messageId, retried, signingKey: devSigningKeys.currentSigningKey })
    const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body })
    return { status: response.status, body: await response.json() }
  }
  const rows = async () =>
    ((await (await fetch(`${app.origin}/deliveries`)).json()) as { deliveries: Row[] }).deliveries.filter(
      (row) => row.deliveryId === messageId,
    )
  const uploads = async () =>
    ((await (await fetch(`${app.origin}/uploads`)).json()) as { uploads: { deliveryId: string }[] }).uploads.filter(
      (upload) => upload.deliveryId === messageId,
    )

  it('says at startup that it defers, and that `pnpm worker` must run', () => {
    expect(app.output()).toContain('mode: deferred: each delivery is answered 202 once BullMQ queue "upload-webhooks"')
    expect(app.output()).toContain('run `pnpm worker` (another terminal) to run the handlers')
  })

  it('answers 202 accepted and runs no handler itself', async () => {
    expect(await deliver(0)).toEqual({ status: 202, body: { status: 'accepted', deliveryId: messageId } })
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect((await rows()).map((row) => `${row.status} ${row.outcome}`)).toEqual(['202 accepted'])
    expect(await uploads()).toEqual([])
  })

  it('shows the delivery done once `pnpm worker` ran its handler, and lists the upload it saved', async () => {
    worker = await startPrinting('pnpm', ['run', 'worker'], cwd, 'running deferred deliveries from BullMQ queue "upload-webhooks"', env)
    const deadline = Date.now() + 20_000
    while (!(await rows()).some((row) => row.outcome === 'processed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const [done, accepted] = await rows()
    expect(accepted).toMatchObject({ status: 202, outcome: 'accepted' })
    expect(done).toMatchObject({
      status: 202,
      outcome: 'processed',
      explanation: expect.stringMatching(/^done: the worker ran the handler/),
    })
    expect(await uploads()).toHaveLength(1)
    expect(app.output()).toContain(`[worker] qstash onUploadComplete ${messageId}: accepted → done`)
  })

  it('answers the same delivery again 200 duplicate, after its accepted and done rows', async () => {
    expect(await deliver(1)).toEqual({ status: 200, body: { status: 'duplicate', deliveryId: messageId } })
    expect((await rows()).map((row) => `${row.status} ${row.outcome}`)).toEqual(['200 duplicate', '202 processed', '202 accepted'])
  })
})

describe('examples/express deferred mode refuses a half-set environment', () => {
  it('`pnpm worker` without DEFER exits 1 and says what to set', async () => {
    const refused = await startRefused('pnpm', ['run', 'worker'], cwd)
    expect(refused.exitCode).not.toBe(0)
    expect(refused.output).toContain('DEFER is not set')
  })

  it('DEFER=bullmq without REDIS_URL stops the app before it listens, naming REDIS_URL', async () => {
    // `pnpm dev` without its watcher, which outlives the app it restarts.
    const refused = await startRefused('pnpm', ['exec', 'tsx', '--conditions=@upload-webhooks/source', 'src/server.ts'], cwd, {
      DEFER: 'bullmq',
    })
    expect(refused.output).toContain('cannot start: DEFER=bullmq needs REDIS_URL')
  })
})
