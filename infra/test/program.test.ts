import * as pulumi from '@pulumi/pulumi'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { program } from '../src/program.js'
import { installMocks, ofType, outputValue, PROJECT, type RecordedResource, setStackConfig, settleTree } from './support/pulumi-mocks.js'

const ACCOUNT = '0123456789abcdef0123456789abcdef'
const CONFIG = {
  accountId: ACCOUNT,
  qstashToken: 'qstash-token-secret',
  qstashRegion: 'us',
  webhookUrls: '["https://app.example.com/api/webhooks/upload"]',
  allowedOrigins: '["https://app.example.com"]',
  alertWebhookUrl: 'https://hooks.slack.com/services/T/B/X',
  rotateSigningKeys: '2026-11-22',
}
const SECRET_KEYS = ['qstashToken', 'alertWebhookUrl']
const UPLOADCARE = JSON.stringify({ publicKey: 'uc-public', secretKey: 'uc-secret', events: ['file.uploaded', 'file.infected'] })
const ENV_VARS = [
  'QSTASH_CURRENT_SIGNING_KEY',
  'QSTASH_NEXT_SIGNING_KEY',
  'QSTASH_URL_GROUP',
  'UPLOADCARE_WEBHOOK_SECRET',
  'UPSTASH_REDIS_REST_TOKEN',
  'UPSTASH_REDIS_REST_URL',
  'WEBHOOK_PUBLIC_URL',
]

let recorded: RecordedResource[] = []
beforeAll(() => {
  recorded = installMocks()
})
beforeEach(() => {
  recorded.length = 0
  setStackConfig(CONFIG, SECRET_KEYS)
})

describe('the programme', () => {
  it('registers exactly the pipeline, its six components and their resources', async () => {
    const pipeline = program(loadConfig())
    await settleTree(pipeline)
    expect(recorded.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'cloudflare:index/queue:Queue upload-webhooks-upload-events-dlq',
      'cloudflare:index/queue:Queue upload-webhooks-upload-events-queue',
      'cloudflare:index/queueConsumer:QueueConsumer upload-webhooks-upload-events-queue-consumer',
      'cloudflare:index/r2Bucket:R2Bucket upload-webhooks-uploads-bucket',
      'cloudflare:index/r2BucketCors:R2BucketCors upload-webhooks-uploads-cors',
      'cloudflare:index/r2BucketEventNotification:R2BucketEventNotification upload-webhooks-upload-events-notification',
      'cloudflare:index/r2BucketLifecycle:R2BucketLifecycle upload-webhooks-uploads-lifecycle',
      'cloudflare:index/workersCronTrigger:WorkersCronTrigger upload-webhooks-dlq-alerts-cron',
      'cloudflare:index/workersKvNamespace:WorkersKvNamespace upload-webhooks-dlq-alerts-state',
      'cloudflare:index/workersScript:WorkersScript upload-webhooks-dlq-alerts-script',
      'cloudflare:index/workersScript:WorkersScript upload-webhooks-upload-events-consumer',
      'pulumi-nodejs:dynamic/qstash:SigningKeys upload-webhooks-signing-keys',
      'pulumi-nodejs:dynamic/qstash:UrlGroup upload-webhooks-urlgroup-group',
      'upload-webhooks:index:DedupeRedis upload-webhooks-dedupe',
      'upload-webhooks:index:DlqAlerts upload-webhooks-dlq-alerts',
      'upload-webhooks:index:QStashSigningKeys upload-webhooks-signing',
      'upload-webhooks:index:QStashUrlGroup upload-webhooks-urlgroup',
      'upload-webhooks:index:UploadBucket upload-webhooks-uploads',
      'upload-webhooks:index:UploadEvents upload-webhooks-upload-events',
      'upload-webhooks:index:UploadWebhookPipeline upload-webhooks',
      'upstash:index/redisDatabase:RedisDatabase upload-webhooks-dedupe-db',
    ])
    // Every component hangs off the pipeline.
    for (const c of [
      pipeline.bucket,
      pipeline.urlGroup,
      pipeline.signingKeys,
      pipeline.redis,
      pipeline.dlqAlerts,
      pipeline.uploadEvents!,
    ]) {
      expect(await outputValue(c.urn)).toContain('upload-webhooks:index:UploadWebhookPipeline$upload-webhooks:index:')
    }
  })

  it('wires config into the resources: region, names, rotation, Redis region, alert filter', async () => {
    await settleTree(program(loadConfig()))
    const one = (type: string) => ofType(recorded, type)[0]!.inputs
    expect(one('cloudflare:index/r2Bucket:R2Bucket')).toMatchObject({ accountId: ACCOUNT, name: 'upload-webhooks-test-uploads' })
    expect(one('pulumi-nodejs:dynamic/qstash:UrlGroup')).toMatchObject({
      name: 'upload-webhooks-test',
      baseUrl: 'https://qstash-us-east-1.upstash.io',
      endpoints: [{ url: 'https://app.example.com/api/webhooks/upload' }],
    })
    expect(one('pulumi-nodejs:dynamic/qstash:SigningKeys')).toMatchObject({
      rotate: '2026-11-22',
      baseUrl: 'https://qstash-us-east-1.upstash.io',
    })
    expect(one('upstash:index/redisDatabase:RedisDatabase')).toMatchObject({
      databaseName: 'upload-webhooks-test-dedupe',
      primaryRegion: 'us-east-1',
      eviction: false,
    })
    const bindings = one('cloudflare:index/workersScript:WorkersScript').bindings as { name: string; text?: string }[]
    expect(bindings.find((b) => b.name === 'URL_GROUP')?.text).toBe('upload-webhooks-test')
    expect(bindings.find((b) => b.name === 'QSTASH_URL')?.text).toBe('https://qstash-us-east-1.upstash.io')
  })

  it('keeps the QStash token and alert webhook secret wherever they are used', async () => {
    await settleTree(program(loadConfig()))
    for (const type of ['pulumi-nodejs:dynamic/qstash:UrlGroup', 'pulumi-nodejs:dynamic/qstash:SigningKeys']) {
      expect(ofType(recorded, type)[0]?.secretInputs).toContain('token')
    }
    expect(ofType(recorded, 'cloudflare:index/workersScript:WorkersScript')[0]?.secretInputs).toContain('bindings')
  })

  it('bring-your-own Redis creates no database and still exports secrets', async () => {
    setStackConfig({ ...CONFIG, createRedis: 'false', redisRestUrl: 'https://mine.upstash.io', redisRestToken: 'mine' }, [
      ...SECRET_KEYS,
      'redisRestToken',
    ])
    const { env, redis } = program(loadConfig())
    await settleTree(redis)
    expect(ofType(recorded, 'upstash:index/redisDatabase:RedisDatabase')).toEqual([])
    expect(await outputValue(env.UPSTASH_REDIS_REST_URL)).toBe('https://mine.upstash.io')
    expect(await pulumi.isSecret(env.UPSTASH_REDIS_REST_TOKEN)).toBe(true)
  })

  it('Uploadcare is opt-in: configured, it subscribes the first webhook URL to each event with a secret key', async () => {
    const plain = program(loadConfig())
    await settleTree(plain)
    expect(plain.uploadcare).toBeUndefined()
    expect(Object.keys(plain.env)).not.toContain('UPLOADCARE_WEBHOOK_SECRET')

    recorded.length = 0
    setStackConfig({ ...CONFIG, uploadcare: UPLOADCARE }, [...SECRET_KEYS, 'uploadcare'])
    const { uploadcare, env } = program(loadConfig())
    await settleTree(uploadcare!)
    await Promise.all(uploadcare!.subscriptions.map((s) => outputValue(s.urn)))
    const hooks = ofType(recorded, 'pulumi-nodejs:dynamic/uploadcare:Webhook')
    expect(hooks.map((h) => [h.inputs.event, h.inputs.targetUrl, h.inputs.publicKey, h.inputs.auth])).toEqual([
      ['file.uploaded', 'https://app.example.com/api/webhooks/upload', 'uc-public', 'signed'],
      ['file.infected', 'https://app.example.com/api/webhooks/upload', 'uc-public', 'signed'],
    ])
    for (const h of hooks) expect(h.secretInputs).toEqual(expect.arrayContaining(['secretKey', 'signingSecret']))
    expect(await pulumi.isSecret(env.UPLOADCARE_WEBHOOK_SECRET!)).toBe(true)
  })

  it('upload events: the consumer publishes to this URL group from this bucket, configured from uploadEvents', async () => {
    const uploadEvents = JSON.stringify({
      prefix: 'uploads/',
      publicBaseUrl: 'https://files.example.com',
      failureCallbackUrl: 'https://app.example.com/api/webhooks/upload',
      maxRetries: '8',
    })
    setStackConfig({ ...CONFIG, uploadEvents }, SECRET_KEYS)
    await settleTree(program(loadConfig()))
    const one = (type: string) => ofType(recorded, type)[0]!.inputs
    const consumer = ofType(recorded, 'cloudflare:index/workersScript:WorkersScript').find((s) => s.name.endsWith('-consumer'))!
    expect(consumer.inputs.bindings).toEqual([
      { name: 'UPLOAD_BUCKET', type: 'r2_bucket', bucketName: 'upload-webhooks-test-uploads' },
      { name: 'QSTASH_URL', type: 'plain_text', text: 'https://qstash-us-east-1.upstash.io' },
      { name: 'QSTASH_TOKEN', type: 'secret_text', text: 'qstash-token-secret' },
      { name: 'URL_GROUP', type: 'plain_text', text: 'upload-webhooks-test' },
      { name: 'PUBLIC_BASE_URL', type: 'plain_text', text: 'https://files.example.com' },
      { name: 'FAILURE_CALLBACK_URL', type: 'plain_text', text: 'https://app.example.com/api/webhooks/upload' },
    ])
    expect(consumer.secretInputs).toContain('bindings')
    expect(one('cloudflare:index/r2BucketEventNotification:R2BucketEventNotification')).toMatchObject({
      bucketName: 'upload-webhooks-test-uploads',
      rules: [expect.objectContaining({ prefix: 'uploads/' })],
    })
    expect(one('cloudflare:index/queueConsumer:QueueConsumer').settings).toEqual({ batchSize: 10, maxRetries: 8, retryDelay: 30 })
  })

  it('upload events turn off with uploadEvents.enabled false: no queue, worker or notification', async () => {
    setStackConfig({ ...CONFIG, uploadEvents: '{"enabled":false}' }, SECRET_KEYS)
    const pipeline = program(loadConfig())
    await settleTree(pipeline)
    expect(pipeline.uploadEvents).toBeUndefined()
    expect(recorded.filter((r) => /queue|EventNotification|UploadEvents/i.test(r.type))).toEqual([])
  })

  it('fails before creating anything when config is missing, naming the key and the fix', () => {
    const { accountId: _omitted, ...rest } = CONFIG
    setStackConfig(rest, SECRET_KEYS)
    expect(() => loadConfig()).toThrow(ConfigError)
    expect(() => loadConfig()).toThrow(`Fix: pulumi config set ${PROJECT}:accountId <account-id>`)
    expect(recorded).toEqual([])
  })
})

describe('index.ts stack outputs', () => {
  it('are exactly the app environment variables, with keys and Redis credentials secret', async () => {
    setStackConfig({ ...CONFIG, uploadcare: UPLOADCARE }, [...SECRET_KEYS, 'uploadcare'])
    const outputs = (await import('../index.js')).default as unknown as Record<string, pulumi.Output<string>>
    expect(Object.keys(outputs).sort()).toEqual(ENV_VARS)
    const values = Object.fromEntries(await Promise.all(ENV_VARS.map(async (k) => [k, await outputValue(outputs[k]!)])))
    expect(values).toEqual({
      QSTASH_CURRENT_SIGNING_KEY: 'sig_current_mock',
      QSTASH_NEXT_SIGNING_KEY: 'sig_next_mock',
      QSTASH_URL_GROUP: 'upload-webhooks-test',
      UPLOADCARE_WEBHOOK_SECRET: 'uploadcare-signing-secret-mock-32',
      UPSTASH_REDIS_REST_TOKEN: 'redis-rest-token-mock',
      UPSTASH_REDIS_REST_URL: 'https://upload-webhooks-test-dedupe.upstash.io',
      WEBHOOK_PUBLIC_URL: 'https://app.example.com/api/webhooks/upload',
    })
    const secret = Object.fromEntries(await Promise.all(ENV_VARS.map(async (k) => [k, await pulumi.isSecret(outputs[k]!)])))
    expect(secret).toEqual({
      QSTASH_CURRENT_SIGNING_KEY: true,
      QSTASH_NEXT_SIGNING_KEY: true,
      QSTASH_URL_GROUP: false,
      UPLOADCARE_WEBHOOK_SECRET: true,
      UPSTASH_REDIS_REST_TOKEN: true,
      UPSTASH_REDIS_REST_URL: true,
      WEBHOOK_PUBLIC_URL: false,
    })
  })
})
