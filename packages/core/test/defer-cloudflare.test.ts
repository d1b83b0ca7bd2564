// deferToCloudflareQueue's message and options, and createWorker's `queue` options. The queue
// itself (batches, retries, the dead-letter queue) is exercised in workerd: test/workerd/cloudflare-queues.test.ts.
import { createWorker, type DeferredJob, memoryStore, WebhookConfigError } from '@upload-webhooks/core'
import { type CloudflareQueueLike, deferToCloudflareQueue } from '@upload-webhooks/core/cloudflare'
import { silentLogger } from '@upload-webhooks/core/testing'
import { describe, expect, it } from 'vitest'
import { jobDedupeId } from '../src/defer/job.js'

const TYPE = 'upload.completed'
const job: DeferredJob = {
  v: 1,
  deliveryId: 'd1',
  sender: 'sonuslab',
  type: TYPE,
  event: { type: TYPE, file: { id: 'f1' } } as never,
  receivedAt: '2025-01-01T00:00:00.000Z',
}
const dedupeId = jobDedupeId(job.sender, job.deliveryId)

function recordingQueue(send: CloudflareQueueLike['send'] = async () => undefined) {
  const sent: unknown[][] = []
  const queue: CloudflareQueueLike = {
    send(...args) {
      sent.push(args)
      return send(...args)
    },
  }
  return { queue, sent }
}

describe('deferToCloudflareQueue', () => {
  it('sends the job as JSON with its dedupe ID as a field, and the configured delay', async () => {
    const { queue, sent } = recordingQueue()
    await deferToCloudflareQueue(queue).enqueue({ job, dedupeId, signal: new AbortController().signal })
    await deferToCloudflareQueue(queue, { delaySeconds: 30 }).enqueue({ job, dedupeId, signal: new AbortController().signal })
    expect(sent).toEqual([
      [{ ...job, dedupeId }, { contentType: 'json' }],
      [
        { ...job, dedupeId },
        { contentType: 'json', delaySeconds: 30 },
      ],
    ])
  })

  it('rejects when the queue refuses the message, or when the ingress stops waiting', async () => {
    const refusing = recordingQueue(async () => {
      throw new Error('Queue send failed: queue is over its backlog')
    })
    await expect(deferToCloudflareQueue(refusing.queue).enqueue({ job, dedupeId, signal: new AbortController().signal })).rejects.toThrow(
      /backlog/,
    )
    const hanging = recordingQueue(() => new Promise(() => {}))
    const stop = new AbortController()
    const enqueued = deferToCloudflareQueue(hanging.queue).enqueue({ job, dedupeId, signal: stop.signal })
    stop.abort(new Error('enqueueTimeoutMs passed'))
    await expect(enqueued).rejects.toThrow(/enqueueTimeoutMs/)
  })

  it.each([
    [undefined, {}, /pass the Queue binding/],
    [{ send: async () => undefined }, { delaySeconds: -1 }, /delaySeconds/],
    [{ send: async () => undefined }, { delaySeconds: 43_201 }, /delaySeconds/],
  ])('refuses queue %o with %o', (queue, options, message) => {
    expect(() => deferToCloudflareQueue(queue as never, options)).toThrow(WebhookConfigError)
    expect(() => deferToCloudflareQueue(queue as never, options)).toThrow(message)
  })
})

describe('createWorker `queue` options', () => {
  const base = { handlers: { [TYPE]: () => {} }, store: memoryStore(), logger: silentLogger }
  it.each([
    [{ queue: 'jobs' }, /`queue` must be an object/],
    [{ queue: { maxRetries: -1 } }, /queue.maxRetries/],
    [{ queue: { maxRetries: 101 } }, /queue.maxRetries/],
    [{ queue: { deadLetterQueue: 'has space' } }, /queue.deadLetterQueue/],
    [{ queue: { deadLetterQueue: '' } }, /queue.deadLetterQueue/],
  ])('refuses %o', (options, message) => {
    expect(() => createWorker({ ...base, ...(options as object) })).toThrow(WebhookConfigError)
    expect(() => createWorker({ ...base, ...(options as object) })).toThrow(message)
  })
})
