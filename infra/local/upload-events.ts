// The upload-events pipeline's Cloudflare half, run locally in workerd (miniflare 3): an R2
// bucket, the upload-events queue with its dead-letter queue, and the consumer worker bound
// exactly as UploadEvents binds it. Miniflare does not emit R2 event notifications, so
// `putObject` writes the object and then enqueues the message Cloudflare would send.
import { Miniflare } from 'miniflare'
import { UPLOAD_CONSUMER_MODULE, uploadConsumerSource } from '../src/upload-consumer-source.js'

export const LOCAL_ACCOUNT = '0123456789abcdef0123456789abcdef'
export const EVENTS_QUEUE = 'upload-events'
export const DEAD_LETTER_QUEUE = 'upload-events-dlq'
// Where the dead-letter recorder posts what reached the DLQ; answered in Node, never sent.
const DLQ_SINK = 'http://dead-letters.invalid/'

/** Cloudflare's R2 event notification message body. */
export interface R2Notification {
  account: string
  action: 'PutObject' | 'CompleteMultipartUpload' | 'CopyObject' | 'DeleteObject' | 'LifecycleDeletion'
  bucket: string
  object: { key: string; size?: number; eTag?: string }
  eventTime: string
  copySource?: { bucket: string; object: string }
}

export interface LocalUploadEventsOptions {
  /** QStash REST base URL the worker publishes to. Required. */
  qstashUrl: string
  /** QStash token bound as `QSTASH_TOKEN`. Required. */
  qstashToken: string
  /** URL group bound as `URL_GROUP`. Required. */
  urlGroup: string
  /** Bound as `PUBLIC_BASE_URL`. Default: unset (no `file.url`). */
  publicBaseUrl?: string
  /** Bound as `FAILURE_CALLBACK_URL`. Default: unset. */
  failureCallbackUrl?: string
  /** Bound as `PUBLISH_CONCURRENCY`. Default: unset (the worker's 6). */
  publishConcurrency?: number
  /** Bucket name in notifications. Default: `'uploads'`. */
  bucketName?: string
  /** Consumer batch size. Default: `10`. */
  batchSize?: number
  /** Retries before the dead-letter queue. Default: `3`. */
  maxRetries?: number
  /** Seconds before a retry without its own delay. Default: `0`. */
  retryDelaySeconds?: number
  /**
   * Every fetch the worker makes. Default: forwarded from Node, since workerd itself may not
   * reach loopback addresses.
   */
  outbound?: (request: Request) => Promise<Response>
  /** Each line the worker logs. Default: dropped. */
  onWorkerLog?: (line: string) => void
}

export interface LocalUploadEvents {
  mf: Miniflare
  bucketName: string
  /** Puts an object, then enqueues its `PutObject` notification; resolves with that message. */
  putObject(key: string, body: string, options?: { contentType?: string; customMetadata?: Record<string, string> }): Promise<R2Notification>
  /** Enqueues notification messages as R2 would. */
  notify(...messages: R2Notification[]): Promise<void>
  /** Bodies that reached the dead-letter queue, in order. */
  deadLetters: R2Notification[]
  dispose(): Promise<void>
}

const deadLetterRecorder = `
export default {
  async queue(batch) {
    await fetch('${DLQ_SINK}', { method: 'POST', body: JSON.stringify(batch.messages.map((m) => m.body)) })
    batch.ackAll()
  },
}`

/** Forwards a workerd request from Node (workerd may not reach loopback itself). */
async function forwardFromNode(request: Request): Promise<Response> {
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
  const response = await fetch(request.url, { method: request.method, headers: Object.fromEntries(request.headers), body })
  return new Response(await response.arrayBuffer(), { status: response.status, headers: Object.fromEntries(response.headers) })
}

/** The R2 notification Cloudflare sends for `action` on `object`. */
export function r2Notification(bucket: string, action: R2Notification['action'], object: R2Notification['object']): R2Notification {
  return { account: LOCAL_ACCOUNT, action, bucket, object, eventTime: new Date().toISOString() }
}

export async function startLocalUploadEvents(options: LocalUploadEventsOptions): Promise<LocalUploadEvents> {
  const bucketName = options.bucketName ?? 'uploads'
  const deadLetters: R2Notification[] = []
  const outbound = options.outbound ?? forwardFromNode
  const bindings: Record<string, string> = {
    QSTASH_URL: options.qstashUrl,
    QSTASH_TOKEN: options.qstashToken,
    URL_GROUP: options.urlGroup,
  }
  if (options.publicBaseUrl !== undefined) bindings.PUBLIC_BASE_URL = options.publicBaseUrl
  if (options.failureCallbackUrl !== undefined) bindings.FAILURE_CALLBACK_URL = options.failureCallbackUrl
  if (options.publishConcurrency !== undefined) bindings.PUBLISH_CONCURRENCY = String(options.publishConcurrency)

  const mf = new Miniflare({
    ...(options.onWorkerLog ? { handleRuntimeStdio: lineReader(options.onWorkerLog) } : {}),
    workers: [
      {
        name: 'upload-consumer',
        modules: [{ type: 'ESModule', path: UPLOAD_CONSUMER_MODULE, contents: uploadConsumerSource() }],
        compatibilityDate: '2024-09-23',
        r2Buckets: { UPLOAD_BUCKET: bucketName },
        bindings,
        queueProducers: { UPLOAD_EVENTS: EVENTS_QUEUE },
        queueConsumers: {
          [EVENTS_QUEUE]: {
            maxBatchSize: options.batchSize ?? 10,
            maxBatchTimeout: 0,
            maxRetries: options.maxRetries ?? 3,
            deadLetterQueue: DEAD_LETTER_QUEUE,
            retryDelay: options.retryDelaySeconds ?? 0,
          },
        },
        outboundService: outbound,
      },
      {
        name: 'dead-letter-recorder',
        modules: true,
        script: deadLetterRecorder,
        compatibilityDate: '2024-09-23',
        queueConsumers: { [DEAD_LETTER_QUEUE]: { maxBatchTimeout: 0 } },
        outboundService: async (request: Request) => {
          if (request.url === DLQ_SINK) deadLetters.push(...((await request.json()) as R2Notification[]))
          return new Response(null, { status: 204 })
        },
      },
    ],
  })
  await mf.ready
  const bucket = await mf.getR2Bucket('UPLOAD_BUCKET', 'upload-consumer')
  const producer = await mf.getQueueProducer<R2Notification>('UPLOAD_EVENTS', 'upload-consumer')

  const notify = async (...messages: R2Notification[]) => {
    await producer.sendBatch(messages.map((body) => ({ body })))
  }
  return {
    mf,
    bucketName,
    deadLetters,
    notify,
    async putObject(key, body, put = {}) {
      const object = await bucket.put(key, body, {
        ...(put.contentType ? { httpMetadata: { contentType: put.contentType } } : {}),
        ...(put.customMetadata ? { customMetadata: put.customMetadata } : {}),
      })
      const message = r2Notification(bucketName, 'PutObject', { key, size: object.size, eTag: object.etag })
      await notify(message)
      return message
    },
    dispose: () => mf.dispose(),
  }
}

/** Collects workerd's stdout/stderr into lines. */
function lineReader(onLine: (line: string) => void) {
  return (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
    for (const stream of [stdout, stderr]) {
      let buffered = ''
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8')
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        for (const line of lines) if (line.trim()) onLine(line)
      })
    }
  }
}
