import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../src/config.js'

const valid: Record<string, string> = {
  accountId: '0123456789abcdef0123456789abcdef',
  qstashToken: 'qstash-token',
  webhookUrls: '["https://app.example.com/api/webhooks/upload"]',
  allowedOrigins: '["https://app.example.com"]',
  alertWebhookUrl: 'https://hooks.slack.com/services/T/B/X',
}

const parse = (over: Record<string, string | undefined> = {}) => {
  const values: Record<string, string | undefined> = { ...valid, ...over }
  return parseConfig((k) => values[k], 'upload-webhooks', 'dev')
}

/** The ConfigError a config produces (fails the test if it parses). */
function errorOf(over: Record<string, string | undefined>): ConfigError {
  try {
    parse(over)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('stack config', () => {
  it('applies the documented defaults', () => {
    expect(parse()).toEqual({
      accountId: valid.accountId,
      qstashToken: 'qstash-token',
      qstashRegion: 'eu',
      webhookUrls: [{ url: 'https://app.example.com/api/webhooks/upload' }],
      allowedOrigins: ['https://app.example.com'],
      alertWebhookUrl: 'https://hooks.slack.com/services/T/B/X',
      bucketName: 'upload-webhooks-dev-uploads',
      urlGroupName: 'upload-webhooks-dev',
      rotateSigningKeys: '',
      redis: { create: true, primaryRegion: 'eu-central-1', databaseName: 'upload-webhooks-dev-dedupe' },
      dlqAlertsSchedule: '*/5 * * * *',
      uploadEvents: { batchSize: 10, maxRetries: 5 },
    })
  })

  it('puts the default Redis next to the US QStash region', () => {
    expect(parse({ qstashRegion: 'us' }).redis).toEqual({
      create: true,
      primaryRegion: 'us-east-1',
      databaseName: 'upload-webhooks-dev-dedupe',
    })
  })

  it('accepts named endpoints and bring-your-own Redis', () => {
    const c = parse({
      webhookUrls: '[{"name":"primary","url":"https://a.example.com/hook"},"https://b.example.com/hook"]',
      createRedis: 'false',
      redisRestUrl: 'https://mine.upstash.io',
      redisRestToken: 'tok',
      tempPrefix: 'tmp/',
      tempPrefixExpiryDays: '3',
    })
    expect(c.webhookUrls).toEqual([{ name: 'primary', url: 'https://a.example.com/hook' }, { url: 'https://b.example.com/hook' }])
    expect(c.redis).toEqual({ create: false, restUrl: 'https://mine.upstash.io', restToken: 'tok' })
    expect(c).toMatchObject({ tempPrefix: 'tmp/', tempPrefixExpiryDays: 3 })
  })

  it('a missing account ID names the key and the command that sets it', () => {
    const err = errorOf({ accountId: undefined })
    expect(err.key).toBe('upload-webhooks:accountId')
    expect(err.message).toBe(
      'Config upload-webhooks:accountId is missing (your Cloudflare account ID). Fix: pulumi config set upload-webhooks:accountId <account-id>',
    )
  })

  it('a malformed account ID is rejected', () => {
    expect(errorOf({ accountId: 'not-an-id' }).message).toMatch(/accountId is not a Cloudflare account ID/)
  })

  it('a non-HTTPS webhook URL fails naming webhookUrls', () => {
    const err = errorOf({ webhookUrls: '["http://app.example.com/hook"]' })
    expect(err.key).toBe('upload-webhooks:webhookUrls')
    expect(err.message).toMatch(/must hold https:\/\/ URLs \(got "http:\/\/app.example.com\/hook"\)/)
    expect(err.message).toMatch(/Fix: pulumi config set upload-webhooks:webhookUrls '\["https:/)
  })

  it('a non-HTTPS alert webhook fails without echoing the secret value', () => {
    const err = errorOf({ alertWebhookUrl: 'http://hooks.example.com/secret-path' })
    expect(err.key).toBe('upload-webhooks:alertWebhookUrl')
    expect(err.message).not.toContain('secret-path')
    expect(err.message).toMatch(/Fix: pulumi config set --secret upload-webhooks:alertWebhookUrl/)
  })

  it('an unknown region lists the valid ones', () => {
    const err = errorOf({ qstashRegion: 'ap' })
    expect(err.key).toBe('upload-webhooks:qstashRegion')
    expect(err.message).toMatch(/is "ap", not one of eu, us\. Fix: pulumi config set upload-webhooks:qstashRegion eu/)
  })

  it('secrets are asked for with --secret', () => {
    expect(errorOf({ qstashToken: undefined }).message).toMatch(/pulumi config set --secret upload-webhooks:qstashToken/)
  })

  it.each([
    ['webhookUrls', 'not json', /webhookUrls is not valid JSON/],
    ['webhookUrls', '[]', /webhookUrls must be a non-empty JSON list/],
    ['allowedOrigins', '["https://app.example.com/"]', /allowedOrigins holds "https:\/\/app.example.com\/", which is not an origin/],
    ['allowedOrigins', '["http://app.example.com"]', /allowedOrigins holds/],
    ['bucketName', 'Bad_Name', /bucketName is "Bad_Name"/],
    ['bucketLocation', 'mars', /bucketLocation is "mars"/],
    ['bucketJurisdiction', 'moon', /bucketJurisdiction is "moon"/],
    ['tempPrefixExpiryDays', '1.5', /tempPrefixExpiryDays is "1.5"/],
    ['urlGroupName', 'has space', /urlGroupName is "has space"/],
    ['createRedis', 'yes', /createRedis is "yes", not true or false/],
    ['redisRestUrl', 'https://x.upstash.io', /redisRestUrl is set while createRedis is true/],
    ['redisPrimaryRegion', 'mars-1', /redisPrimaryRegion is "mars-1"/],
    ['dlqAlertsSchedule', 'every 5 minutes', /dlqAlertsSchedule is "every 5 minutes", not a 5-field cron/],
  ])('rejects %s = %j', (key, value, message) => {
    const err = errorOf({ [key]: value })
    expect(err.key).toBe(`upload-webhooks:${key}`)
    expect(err.message).toMatch(message)
    expect(err.message).toMatch(/Fix: pulumi config set /)
  })

  it('bring-your-own Redis needs its URL and token', () => {
    expect(errorOf({ createRedis: 'false' }).key).toBe('upload-webhooks:redisRestUrl')
    expect(errorOf({ createRedis: 'false', redisRestUrl: 'https://x.upstash.io' }).key).toBe('upload-webhooks:redisRestToken')
  })
})
