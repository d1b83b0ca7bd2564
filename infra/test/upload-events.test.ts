import { readFileSync } from 'node:fs'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { UploadEvents } from '../src/upload-events.js'
import { installMocks, ofType, outputValue, type RecordedResource, settleTree } from './support/pulumi-mocks.js'

const ACCOUNT = '0123456789abcdef0123456789abcdef'
const QUEUE = 'cloudflare:index/queue:Queue'
const SCRIPT = 'cloudflare:index/workersScript:WorkersScript'
const CONSUMER = 'cloudflare:index/queueConsumer:QueueConsumer'
const NOTIFICATION = 'cloudflare:index/r2BucketEventNotification:R2BucketEventNotification'

// One mock monitor per file (see components.test.ts).
let recorded: RecordedResource[] = []
beforeAll(() => {
  recorded = installMocks()
})
beforeEach(() => {
  recorded.length = 0
})

const summary = () => recorded.map((r) => `${r.type} ${r.name}`).sort()
const base = { accountId: ACCOUNT, bucketName: 'app-uploads', qstashToken: 'tok-123', urlGroupName: 'uploads' }

describe('UploadEvents', () => {
  const workerFile = readFileSync(new URL('../worker/upload-consumer.js', import.meta.url), 'utf8')

  it('registers a queue, its dead-letter queue, the consumer worker, its queue consumer and the bucket notification', async () => {
    const c = new UploadEvents('events', base)
    await settleTree(c)
    expect(summary()).toEqual([
      `${QUEUE} events-dlq`,
      `${QUEUE} events-queue`,
      `${CONSUMER} events-queue-consumer`,
      `${NOTIFICATION} events-notification`,
      `${SCRIPT} events-consumer`,
      'upload-webhooks:index:UploadEvents events',
    ])
    for (const child of [c.queue, c.deadLetterQueue, c.script, c.consumer, c.notification]) {
      expect(await outputValue(child.urn)).toContain('upload-webhooks:index:UploadEvents$cloudflare:')
    }
    expect(ofType(recorded, QUEUE).map((q) => q.inputs)).toEqual(
      expect.arrayContaining([
        { accountId: ACCOUNT, queueName: 'events' },
        { accountId: ACCOUNT, queueName: 'events-dlq' },
      ]),
    )
    expect(await outputValue(c.queueName)).toBe('events')
  })

  it('deploys the bundled worker with the bucket, the secret token and the URL group bound', async () => {
    await settleTree(new UploadEvents('events', { ...base, qstashRegion: 'us' }))
    const script = ofType(recorded, SCRIPT)[0]!
    expect(script.inputs).toMatchObject({
      accountId: ACCOUNT,
      scriptName: 'events-consumer',
      mainModule: 'upload-consumer.js',
      compatibilityDate: '2024-09-23',
    })
    expect(script.inputs.content).toBe(workerFile)
    expect(script.inputs.bindings).toEqual([
      { name: 'UPLOAD_BUCKET', type: 'r2_bucket', bucketName: 'app-uploads' },
      { name: 'QSTASH_URL', type: 'plain_text', text: 'https://qstash-us-east-1.upstash.io' },
      { name: 'QSTASH_TOKEN', type: 'secret_text', text: 'tok-123' },
      { name: 'URL_GROUP', type: 'plain_text', text: 'uploads' },
    ])
    expect(script.secretInputs).toContain('bindings')
  })

  it('binds the public base URL and failure callback when given, and the bucket jurisdiction everywhere', async () => {
    await settleTree(
      new UploadEvents('events', {
        ...base,
        bucketJurisdiction: 'eu',
        qstashBaseUrl: 'http://127.0.0.1:8080',
        publicBaseUrl: 'https://files.example.com',
        failureCallbackUrl: 'https://app.example.com/api/webhooks/upload',
      }),
    )
    const bindings = ofType(recorded, SCRIPT)[0]!.inputs.bindings
    expect(bindings).toEqual(
      expect.arrayContaining([
        { name: 'UPLOAD_BUCKET', type: 'r2_bucket', bucketName: 'app-uploads', jurisdiction: 'eu' },
        { name: 'QSTASH_URL', type: 'plain_text', text: 'http://127.0.0.1:8080' },
        { name: 'PUBLIC_BASE_URL', type: 'plain_text', text: 'https://files.example.com' },
        { name: 'FAILURE_CALLBACK_URL', type: 'plain_text', text: 'https://app.example.com/api/webhooks/upload' },
      ]),
    )
    expect(ofType(recorded, NOTIFICATION)[0]?.inputs.jurisdiction).toBe('eu')
  })

  it('consumes with the worker: batch size, retries, retry delay and the dead-letter queue by name', async () => {
    await settleTree(new UploadEvents('events', { ...base, batchSize: 25, maxRetries: 8, retryDelaySeconds: 60 }))
    expect(ofType(recorded, CONSUMER)[0]?.inputs).toEqual({
      accountId: ACCOUNT,
      queueId: 'events-queue-id',
      scriptName: 'events-consumer',
      type: 'worker',
      deadLetterQueue: 'events-dlq',
      settings: { batchSize: 25, maxRetries: 8, retryDelay: 60 },
    })
  })

  it('defaults to batches of 10, 5 retries, 30 s between retries', async () => {
    await settleTree(new UploadEvents('events', base))
    expect(ofType(recorded, CONSUMER)[0]?.inputs.settings).toEqual({ batchSize: 10, maxRetries: 5, retryDelay: 30 })
  })

  it('notifies the queue of object creation only (put, multipart, copy), with the prefix/suffix filters', async () => {
    await settleTree(new UploadEvents('events', { ...base, prefix: 'uploads/', suffix: '.jpg' }))
    expect(ofType(recorded, NOTIFICATION)[0]?.inputs).toEqual({
      accountId: ACCOUNT,
      bucketName: 'app-uploads',
      queueId: 'events-queue-id',
      rules: [
        {
          actions: ['PutObject', 'CompleteMultipartUpload', 'CopyObject'],
          description: 'upload-webhooks: new objects become onUploadComplete webhooks',
          prefix: 'uploads/',
          suffix: '.jpg',
        },
      ],
    })
  })

  it('keeps dead letters for deadLetterRetentionSeconds when given', async () => {
    await settleTree(new UploadEvents('events', { ...base, deadLetterRetentionSeconds: 1_209_600 }))
    const dlq = ofType(recorded, QUEUE).find((q) => q.name === 'events-dlq')!
    expect(dlq.inputs.settings).toEqual({ messageRetentionPeriod: 1_209_600 })
  })

  it('takes custom queue and script names', async () => {
    await settleTree(new UploadEvents('events', { ...base, queueName: 'app-upload-events', scriptName: 'app-upload-consumer' }))
    expect(
      ofType(recorded, QUEUE)
        .map((q) => q.inputs.queueName)
        .sort(),
    ).toEqual(['app-upload-events', 'app-upload-events-dlq'])
    expect(ofType(recorded, SCRIPT)[0]?.inputs.scriptName).toBe('app-upload-consumer')
    expect(ofType(recorded, CONSUMER)[0]?.inputs.deadLetterQueue).toBe('app-upload-events-dlq')
  })

  it.each([
    [{ batchSize: 0 }, /batchSize is 0; set a whole number from 1 to 100/],
    [{ batchSize: 101 }, /batchSize is 101/],
    [{ maxRetries: -1 }, /maxRetries is -1; set a whole number from 0 to 100/],
    [{ retryDelaySeconds: 1.5 }, /retryDelaySeconds is 1.5/],
    [{ deadLetterRetentionSeconds: 30 }, /deadLetterRetentionSeconds is 30; set a whole number from 60 to 1209600/],
    [{ publicBaseUrl: 'files.example.com' }, /publicBaseUrl is "files.example.com"; set an absolute https:\/\/ URL/],
    [{ failureCallbackUrl: 'not a url' }, /failureCallbackUrl is "not a url"/],
    [{ prefix: '' }, /prefix and suffix must be non-empty when set/],
  ])('refuses %o before registering anything', (bad, message) => {
    expect(() => new UploadEvents('events', { ...base, ...bad })).toThrow(message)
    expect(recorded).toEqual([])
  })
})
