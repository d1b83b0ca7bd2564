// The whole upload pipeline, locally: an object lands in the R2 bucket (miniflare 3), its event
// notification goes through the real queue to the consumer worker, which publishes to a local
// QStash; that signs each delivery exactly as QStash does (dev keys) and POSTs it to the built
// Express example, which then lists the upload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalQStash } from '../../infra/local/qstash.js'
import { type LocalUploadEvents, startLocalUploadEvents } from '../../infra/local/upload-events.js'
import { exampleDir, type RunningApp, run, startApp } from './harness.js'

const TOKEN = 'local-qstash-token'
const GROUP = 'uploads'

interface Received {
  uploads: { deliveryId: string; attempt: number; sender: string; file: Record<string, unknown>; metadata: Record<string, unknown> }[]
  failures: { deliveryId: string; sourceMessageId: string; status: number; url: string }[]
}

describe('upload pipeline: R2 → queue → consumer worker → QStash → examples/express', () => {
  const cwd = exampleDir('express')
  let app: RunningApp
  let endpoint: string
  let qstash: LocalQStash
  let pipeline: LocalUploadEvents
  const workerLog: string[] = []

  beforeAll(async () => {
    await run('pnpm', ['run', 'build'], cwd)
    app = await startApp('node', ['dist/server.js'], cwd)
    endpoint = `${app.origin}/api/webhooks/upload`
    qstash = new LocalQStash({ token: TOKEN, urlGroups: { [GROUP]: [endpoint] } })
    pipeline = await startLocalUploadEvents({
      qstashUrl: await qstash.listen(),
      qstashToken: TOKEN,
      urlGroup: GROUP,
      publicBaseUrl: 'https://files.example.com',
      failureCallbackUrl: endpoint,
      onWorkerLog: (line) => workerLog.push(line),
    })
  })
  afterAll(async () => {
    await pipeline?.dispose()
    await qstash?.close()
    await app?.stop()
  })

  const received = async () => (await (await fetch(`${app.origin}/uploads`)).json()) as Received
  async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 20_000
    while (!(await done())) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; worker log:\n${workerLog.join('\n')}\napp output:\n${app.output()}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  it('turns one object put into one verified onUploadComplete the app lists', async () => {
    await pipeline.putObject('users/7/cat photo.jpg', 'meow'.repeat(100), {
      contentType: 'image/jpeg',
      customMetadata: { userId: 'user_7', album: 'pets' },
    })
    await until('the upload at GET /uploads', async () => (await received()).uploads.length === 1)

    const [delivery] = qstash.deliveries
    expect(delivery).toMatchObject({ url: endpoint, retried: 0, status: 200 })
    expect(JSON.parse(delivery!.responseBody)).toEqual({ status: 'processed', deliveryId: delivery!.messageId })
    expect((await received()).uploads).toEqual([
      expect.objectContaining({
        deliveryId: delivery!.messageId,
        attempt: 0,
        sender: 'qstash',
        file: {
          id: expect.stringMatching(/^r2_[0-9a-f]{32}$/),
          key: 'users/7/cat photo.jpg',
          name: 'cat photo.jpg',
          size: 400,
          contentType: 'image/jpeg',
          url: 'https://files.example.com/users/7/cat%20photo.jpg',
        },
        metadata: { userId: 'user_7', album: 'pets' },
      }),
    ])
  })

  it('makes no second webhook when the queue delivers the same notification again', async () => {
    const note = await pipeline.putObject('docs/once.pdf', 'pdf', { contentType: 'application/pdf' })
    await until('the first delivery', async () => (await received()).uploads.length === 2)
    await pipeline.notify(note)
    await until('the second publish', () => qstash.publishes.length === 3)
    await qstash.idle()

    expect(qstash.publishes.at(-1)).toMatchObject({ status: 202, deduplicated: true })
    expect((await received()).uploads.filter((u) => u.file.key === 'docs/once.pdf')).toHaveLength(1)
  })

  it("reports a delivery QStash gave up on through the failure callback to the app's qstash.failure handler", async () => {
    const gone = `${app.origin}/api/webhooks/gone`
    qstash.setUrlGroup(GROUP, [endpoint, gone])
    await pipeline.putObject('late.txt', 'text')
    await until('the failure callback', async () => (await received()).failures.length === 1)
    await qstash.idle()

    const toGone = qstash.deliveries.filter((d) => d.url === gone)
    expect(toGone.map((d) => d.status)).toEqual([404, 404, 404])
    expect((await received()).failures).toEqual([
      expect.objectContaining({ sourceMessageId: toGone[0]!.messageId, status: 404, url: gone }),
    ])
    expect((await received()).uploads.map((u) => u.file.key)).toContain('late.txt')
    // The same message waits in the DLQ, under the URL group `dlq list --url-group` filters by.
    expect(qstash.dlq).toEqual([
      expect.objectContaining({ messageId: toGone[0]!.messageId, url: gone, topicName: GROUP, responseStatus: 404 }),
    ])

    // A DLQ retry posts it again under a new message ID; the endpoint still fails, so it dead-letters again.
    const retry = await qstash.handle(
      new Request(`http://qstash.local/v2/dlq/retry?dlqIds=${qstash.dlq[0]!.dlqId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    )
    const [retried] = ((await retry.json()) as { responses: { messageId: string }[] }).responses
    await qstash.idle()
    expect(qstash.deliveries.filter((d) => d.messageId === retried!.messageId).map((d) => [d.url, d.status])).toEqual([
      [gone, 404],
      [gone, 404],
      [gone, 404],
    ])
    expect(qstash.dlq.map((m) => m.messageId)).toEqual([retried!.messageId])
  })
})
