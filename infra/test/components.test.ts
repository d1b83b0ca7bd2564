import { readFileSync } from 'node:fs'
import * as pulumi from '@pulumi/pulumi'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DedupeRedis } from '../src/dedupe-redis.js'
import { DlqAlerts } from '../src/dlq-alerts.js'
import { QStashSigningKeys } from '../src/qstash-signing-keys.js'
import { QStashUrlGroup } from '../src/qstash-url-group.js'
import { UploadBucket } from '../src/upload-bucket.js'
import { installMocks, ofType, outputValue, type RecordedResource, settleTree } from './support/pulumi-mocks.js'

const ACCOUNT = '0123456789abcdef0123456789abcdef'
// One mock monitor per file: a component's registerOutputs may still be in flight when a test
// ends, and must not land on a fresh monitor that never saw the component.
let recorded: RecordedResource[] = []
beforeAll(() => {
  recorded = installMocks()
})
beforeEach(() => {
  recorded.length = 0
})

const summary = () => recorded.map((r) => `${r.type} ${r.name}`).sort()

describe('UploadBucket', () => {
  it('registers exactly a bucket, its CORS and its lifecycle, named after the component', async () => {
    const c = new UploadBucket('uploads', { accountId: ACCOUNT, allowedOrigins: ['https://app.example.com'] })
    await settleTree(c)
    expect(summary()).toEqual([
      'cloudflare:index/r2Bucket:R2Bucket uploads-bucket',
      'cloudflare:index/r2BucketCors:R2BucketCors uploads-cors',
      'cloudflare:index/r2BucketLifecycle:R2BucketLifecycle uploads-lifecycle',
      'upload-webhooks:index:UploadBucket uploads',
    ])
    for (const child of [c.bucket, c.cors, c.lifecycle]) {
      expect(await outputValue(child.urn)).toContain('upload-webhooks:index:UploadBucket$cloudflare:')
    }
    expect(ofType(recorded, 'cloudflare:index/r2Bucket:R2Bucket')[0]?.inputs).toEqual({
      accountId: ACCOUNT,
      name: 'uploads',
      jurisdiction: 'default',
    })
    expect(await outputValue(c.bucketName)).toBe('uploads')
  })

  it('allows PUT/GET/HEAD from the app origins only, exposing ETag for multipart', async () => {
    const c = new UploadBucket('uploads', {
      accountId: ACCOUNT,
      bucketName: 'my-uploads',
      location: 'weur',
      jurisdiction: 'eu',
      allowedOrigins: ['https://app.example.com', 'http://localhost:3000'],
    })
    await settleTree(c)
    const cors = ofType(recorded, 'cloudflare:index/r2BucketCors:R2BucketCors')[0]!
    expect(cors.inputs).toEqual({
      accountId: ACCOUNT,
      bucketName: 'my-uploads',
      jurisdiction: 'eu',
      rules: [
        {
          id: 'presigned-browser-uploads',
          allowed: {
            origins: ['https://app.example.com', 'http://localhost:3000'],
            methods: ['PUT', 'GET', 'HEAD'],
            headers: ['content-type', 'content-md5', 'x-amz-checksum-sha256'],
          },
          exposeHeaders: ['ETag'],
          maxAgeSeconds: 3600,
        },
      ],
    })
    expect(ofType(recorded, 'cloudflare:index/r2Bucket:R2Bucket')[0]?.inputs).toMatchObject({ location: 'weur', jurisdiction: 'eu' })
  })

  it('aborts multipart uploads after one day, and expires the temp prefix only when asked', async () => {
    const plain = new UploadBucket('a', { accountId: ACCOUNT, allowedOrigins: ['https://app.example.com'] })
    const temp = new UploadBucket('b', {
      accountId: ACCOUNT,
      allowedOrigins: ['https://app.example.com'],
      tempPrefix: 'tmp/',
      tempPrefixExpiryDays: 3,
    })
    await Promise.all([settleTree(plain), settleTree(temp)])
    const rules = (name: string) => recorded.find((r) => r.name === `${name}-lifecycle`)?.inputs.rules
    const abort = {
      id: 'abort-incomplete-multipart-uploads',
      enabled: true,
      conditions: { prefix: '' },
      abortMultipartUploadsTransition: { condition: { type: 'Age', maxAge: 86_400 } },
    }
    expect(rules('a')).toEqual([abort])
    expect(rules('b')).toEqual([
      abort,
      {
        id: 'expire-temp-objects',
        enabled: true,
        conditions: { prefix: 'tmp/' },
        deleteObjectsTransition: { condition: { type: 'Age', maxAge: 3 * 86_400 } },
      },
    ])
  })
})

describe('QStashUrlGroup', () => {
  it('registers one dynamic URL group with a region-specific base URL and a secret token', async () => {
    const c = new QStashUrlGroup('hooks', {
      region: 'us',
      token: 'tok-123',
      endpoints: ['https://app.example.com/api/hook', { name: 'backup', url: 'https://backup.example.com/hook' }],
    })
    await settleTree(c)
    expect(summary()).toEqual(['pulumi-nodejs:dynamic/qstash:UrlGroup hooks-group', 'upload-webhooks:index:QStashUrlGroup hooks'])
    const group = ofType(recorded, 'pulumi-nodejs:dynamic/qstash:UrlGroup')[0]!
    expect(group.inputs).toMatchObject({
      name: 'hooks',
      baseUrl: 'https://qstash-us-east-1.upstash.io',
      token: 'tok-123',
      endpoints: [{ url: 'https://app.example.com/api/hook' }, { name: 'backup', url: 'https://backup.example.com/hook' }],
    })
    expect(group.secretInputs).toContain('token')
    // The serialised provider travels in state: it must not have captured the token.
    expect(typeof group.inputs.__provider).toBe('string')
    expect(group.inputs.__provider).not.toContain('tok-123')
    expect(await outputValue(c.name)).toBe('hooks')
    expect(await outputValue(c.group.urn)).toContain('upload-webhooks:index:QStashUrlGroup$pulumi-nodejs:dynamic/qstash:UrlGroup')
  })

  it('defaults to the EU region and honours an explicit name and base URL', async () => {
    const eu = new QStashUrlGroup('eu', { token: 't', endpoints: ['https://a.example.com'] })
    const local = new QStashUrlGroup('local', {
      name: 'custom',
      baseUrl: 'http://127.0.0.1:8080',
      token: 't',
      endpoints: ['https://a.example.com'],
    })
    await Promise.all([settleTree(eu), settleTree(local)])
    expect(recorded.find((r) => r.name === 'eu-group')?.inputs).toMatchObject({
      name: 'eu',
      baseUrl: 'https://qstash-eu-central-1.upstash.io',
    })
    expect(recorded.find((r) => r.name === 'local-group')?.inputs).toMatchObject({ name: 'custom', baseUrl: 'http://127.0.0.1:8080' })
  })
})

describe('QStashSigningKeys', () => {
  it('exposes current and next as secrets, with the token secret and no rotation by default', async () => {
    const c = new QStashSigningKeys('signing', { token: 'tok-123' })
    await settleTree(c)
    expect(summary()).toEqual(['pulumi-nodejs:dynamic/qstash:SigningKeys signing-keys', 'upload-webhooks:index:QStashSigningKeys signing'])
    const keys = ofType(recorded, 'pulumi-nodejs:dynamic/qstash:SigningKeys')[0]!
    expect(keys.inputs).toMatchObject({ baseUrl: 'https://qstash-eu-central-1.upstash.io', token: 'tok-123', rotate: '' })
    expect(keys.secretInputs).toEqual(['token'])
    expect(await pulumi.isSecret(c.current)).toBe(true)
    expect(await pulumi.isSecret(c.next)).toBe(true)
    expect(await outputValue(c.current)).toBe('sig_current_mock')
    expect(await outputValue(c.next)).toBe('sig_next_mock')
  })

  it('passes the rotation trigger through', async () => {
    const c = new QStashSigningKeys('rotating', { token: 't', region: 'us', rotate: '2026-11-22' })
    await settleTree(c)
    expect(ofType(recorded, 'pulumi-nodejs:dynamic/qstash:SigningKeys')[0]?.inputs).toMatchObject({
      rotate: '2026-11-22',
      baseUrl: 'https://qstash-us-east-1.upstash.io',
    })
  })
})

describe('DedupeRedis', () => {
  it('creates a global Upstash database without eviction and exposes its REST URL and token as secrets', async () => {
    const c = new DedupeRedis('dedupe', { primaryRegion: 'us-east-1' })
    await settleTree(c)
    expect(summary()).toEqual(['upload-webhooks:index:DedupeRedis dedupe', 'upstash:index/redisDatabase:RedisDatabase dedupe-db'])
    expect(ofType(recorded, 'upstash:index/redisDatabase:RedisDatabase')[0]?.inputs).toEqual({
      databaseName: 'dedupe',
      region: 'global',
      primaryRegion: 'us-east-1',
      tls: true,
      eviction: false,
    })
    expect(await outputValue(c.restUrl)).toBe('https://dedupe.upstash.io')
    expect(await outputValue(c.restToken)).toBe('redis-rest-token-mock')
    expect(await pulumi.isSecret(c.restUrl)).toBe(true)
    expect(await pulumi.isSecret(c.restToken)).toBe(true)
  })

  it('with create: false uses the given Redis, creates nothing, and still marks both secret', async () => {
    const c = new DedupeRedis('dedupe', { create: false, restUrl: 'https://mine.example.com', restToken: 'my-token' })
    await settleTree(c)
    expect(summary()).toEqual(['upload-webhooks:index:DedupeRedis dedupe'])
    expect(await outputValue(c.restUrl)).toBe('https://mine.example.com')
    expect(await pulumi.isSecret(c.restUrl)).toBe(true)
    expect(await pulumi.isSecret(c.restToken)).toBe(true)
  })

  it('rejects contradictory arguments', () => {
    expect(() => new DedupeRedis('x', { create: false })).toThrow(/pass restUrl and restToken/)
    expect(() => new DedupeRedis('y', { restUrl: 'https://a', restToken: 't' })).toThrow(/only used with create: false/)
  })
})

describe('DlqAlerts', () => {
  const workerFile = readFileSync(new URL('../worker/dlq-monitor.js', import.meta.url), 'utf8')

  it('deploys the bundled worker with KV, secret and plain bindings, on a 5-minute cron', async () => {
    const c = new DlqAlerts('alerts', {
      accountId: ACCOUNT,
      qstashRegion: 'us',
      qstashToken: 'tok-123',
      alertWebhookUrl: 'https://hooks.slack.com/services/T/B/X',
      urlGroupName: 'uploads',
    })
    await settleTree(c)
    expect(summary()).toEqual([
      'cloudflare:index/workersCronTrigger:WorkersCronTrigger alerts-cron',
      'cloudflare:index/workersKvNamespace:WorkersKvNamespace alerts-state',
      'cloudflare:index/workersScript:WorkersScript alerts-script',
      'upload-webhooks:index:DlqAlerts alerts',
    ])
    expect(ofType(recorded, 'cloudflare:index/workersKvNamespace:WorkersKvNamespace')[0]?.inputs).toEqual({
      accountId: ACCOUNT,
      title: 'alerts-state',
    })

    const script = ofType(recorded, 'cloudflare:index/workersScript:WorkersScript')[0]!
    expect(script.inputs).toMatchObject({
      accountId: ACCOUNT,
      scriptName: 'alerts',
      mainModule: 'dlq-monitor.js',
      compatibilityDate: '2024-09-23',
    })
    expect(script.inputs.content).toBe(workerFile)
    expect(script.inputs.bindings).toEqual([
      { name: 'DLQ_STATE', type: 'kv_namespace', namespaceId: 'alerts-state-id' },
      { name: 'QSTASH_URL', type: 'plain_text', text: 'https://qstash-us-east-1.upstash.io' },
      { name: 'QSTASH_TOKEN', type: 'secret_text', text: 'tok-123' },
      { name: 'ALERT_WEBHOOK_URL', type: 'secret_text', text: 'https://hooks.slack.com/services/T/B/X' },
      { name: 'URL_GROUP', type: 'plain_text', text: 'uploads' },
    ])
    // Secret binding values reach the engine marked secret (so state encrypts them).
    expect(script.secretInputs).toContain('bindings')

    expect(ofType(recorded, 'cloudflare:index/workersCronTrigger:WorkersCronTrigger')[0]?.inputs).toEqual({
      accountId: ACCOUNT,
      scriptName: 'alerts',
      schedules: [{ cron: '*/5 * * * *' }],
    })
  })

  it('takes a custom schedule and script name, and omits URL_GROUP when not filtering', async () => {
    const c = new DlqAlerts('alerts', {
      accountId: ACCOUNT,
      scriptName: 'dlq-watch',
      qstashToken: 't',
      alertWebhookUrl: 'https://hooks.example.com/x',
      schedule: '0 * * * *',
    })
    await settleTree(c)
    const script = ofType(recorded, 'cloudflare:index/workersScript:WorkersScript')[0]!
    expect(script.inputs.bindings.map((b: { name: string }) => b.name)).toEqual([
      'DLQ_STATE',
      'QSTASH_URL',
      'QSTASH_TOKEN',
      'ALERT_WEBHOOK_URL',
    ])
    expect(ofType(recorded, 'cloudflare:index/workersCronTrigger:WorkersCronTrigger')[0]?.inputs).toMatchObject({
      scriptName: 'dlq-watch',
      schedules: [{ cron: '0 * * * *' }],
    })
  })
})
