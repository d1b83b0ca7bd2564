// The examples' env → options wiring (one file, copied into each example): what each variable selects.
import { memoryStore, WebhookConfigError } from '@upload-webhooks/core'
import { devSigningKeys } from '@upload-webhooks/core/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { webhookPlanFromEnv, webhookSetupFromEnv, webhookStartupSummary } from '../../examples/express/src/webhook-setup.js'

describe('webhookPlanFromEnv', () => {
  it('with nothing set: the dev keys and the in-memory store, and says so', () => {
    const plan = webhookPlanFromEnv({})
    expect(plan.keys).toEqual(devSigningKeys)
    expect(plan.store).toEqual({ kind: 'memory' })
    expect(plan.url).toBeUndefined()
    expect(plan.summary.join('\n')).toMatch(/public DEV keys[\s\S]*dedupe store: in memory/)
    expect(plan.summary.join('\n')).not.toContain('WARNING')
  })

  it('refuses production without real keys and a public URL, naming each missing variable and why', () => {
    const refusal = () => webhookPlanFromEnv({ NODE_ENV: 'production' })
    expect(refusal).toThrow(WebhookConfigError)
    expect(refusal).toThrow(/QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY, WEBHOOK_PUBLIC_URL are not set/)
    expect(refusal).toThrow(/dev keys .* are public/)
  })

  it('in production, names only what is missing (values copied empty from .env.example count as missing)', () => {
    const keys = { QSTASH_CURRENT_SIGNING_KEY: 'sig_current', QSTASH_NEXT_SIGNING_KEY: 'sig_next' }
    expect(() => webhookPlanFromEnv({ NODE_ENV: 'production', ...keys, WEBHOOK_PUBLIC_URL: ' ' })).toThrow(
      /^NODE_ENV=production and WEBHOOK_PUBLIC_URL is not set/,
    )
    expect(() =>
      webhookPlanFromEnv({
        NODE_ENV: 'production',
        QSTASH_CURRENT_SIGNING_KEY: 'sig_current',
        WEBHOOK_PUBLIC_URL: 'https://a.example/hook',
      }),
    ).toThrow(/^NODE_ENV=production and QSTASH_NEXT_SIGNING_KEY is not set/)
  })

  it('runs in production with real keys and a public URL', () => {
    const plan = webhookPlanFromEnv({
      NODE_ENV: 'production',
      QSTASH_CURRENT_SIGNING_KEY: 'sig_current',
      QSTASH_NEXT_SIGNING_KEY: 'sig_next',
      WEBHOOK_PUBLIC_URL: 'https://abc.example.com/api/webhooks/upload',
    })
    expect(plan.keys).toEqual({ currentSigningKey: 'sig_current', nextSigningKey: 'sig_next' })
    expect(plan.url).toBe('https://abc.example.com/api/webhooks/upload')
  })

  it('uses real QStash keys and the public URL when set', () => {
    const plan = webhookPlanFromEnv({
      QSTASH_CURRENT_SIGNING_KEY: 'sig_current',
      QSTASH_NEXT_SIGNING_KEY: 'sig_next',
      WEBHOOK_PUBLIC_URL: 'https://abc.example.com/api/webhooks/upload',
    })
    expect(plan.keys).toEqual({ currentSigningKey: 'sig_current', nextSigningKey: 'sig_next' })
    expect(plan.url).toBe('https://abc.example.com/api/webhooks/upload')
    expect(plan.summary[0]).toContain('from the environment')
  })

  it('refuses half a pair, naming the missing variable', () => {
    expect(() => webhookPlanFromEnv({ QSTASH_CURRENT_SIGNING_KEY: 'sig_current' })).toThrow(/^QSTASH_NEXT_SIGNING_KEY is not set/)
    expect(() => webhookPlanFromEnv({ UPSTASH_REDIS_REST_TOKEN: 't' })).toThrow(/^UPSTASH_REDIS_REST_URL is not set/)
  })

  it('treats empty values (as copied from .env.example) as unset', () => {
    expect(webhookPlanFromEnv({ QSTASH_CURRENT_SIGNING_KEY: '', QSTASH_NEXT_SIGNING_KEY: ' ', REDIS_URL: '' }).store).toEqual({
      kind: 'memory',
    })
  })

  it('prefers Upstash over REDIS_URL, and logs hosts but never credentials', () => {
    const upstash = webhookPlanFromEnv({
      UPSTASH_REDIS_REST_URL: 'https://eu1-fine-cat-1234.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 'secret-token',
      REDIS_URL: 'redis://:hunter2@redis.internal:6379',
    })
    expect(upstash.store).toEqual({ kind: 'upstash', url: 'https://eu1-fine-cat-1234.upstash.io', token: 'secret-token' })
    const redis = webhookPlanFromEnv({ REDIS_URL: 'redis://:hunter2@redis.internal:6379' })
    expect(redis.store).toEqual({ kind: 'redis', url: 'redis://:hunter2@redis.internal:6379' })
    expect([...upstash.summary, ...redis.summary].join('\n')).not.toMatch(/secret-token|hunter2/)
  })
})

describe('webhookSetupFromEnv', () => {
  it('builds a QStash verifier and a store that behaves like memoryStore()', async () => {
    const setup = webhookSetupFromEnv({})
    expect(setup.verify.name).toBe('qstash')
    expect(Object.keys(setup.store).sort()).toEqual(Object.keys(memoryStore()).sort())
    expect(await setup.store.claim('k', 't', 30)).toEqual({ state: 'claimed' })
    expect(await setup.store.claim('k', 't2', 30)).toMatchObject({ state: 'in-flight' })
  })

  it('wraps an Upstash client in a store when the Upstash pair is set (no request until a delivery)', () => {
    const setup = webhookSetupFromEnv({ UPSTASH_REDIS_REST_URL: 'https://eu1-fine-cat-1234.upstash.io', UPSTASH_REDIS_REST_TOKEN: 't' })
    expect(setup.summary[1]).toBe('dedupe store: Upstash Redis at eu1-fine-cat-1234.upstash.io')
    expect(typeof setup.store.claim).toBe('function')
  })
})

describe('webhookStartupSummary (the startup check of Nuxt and Next, which build their verifier on the first delivery)', () => {
  const production = { NODE_ENV: 'production', WEBHOOK_PUBLIC_URL: 'https://abc.example.com/api/webhooks/upload' }
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it("refuses the published dev keys set as real keys in production, with core's error", () => {
    vi.stubEnv('NODE_ENV', 'production')
    const devKeysAsReal = {
      QSTASH_CURRENT_SIGNING_KEY: devSigningKeys.currentSigningKey,
      QSTASH_NEXT_SIGNING_KEY: devSigningKeys.nextSigningKey,
    }
    expect(() => webhookStartupSummary({ ...production, ...devKeysAsReal })).toThrow(/published development key/)
  })

  it('returns the summary when the environment is fine', () => {
    vi.stubEnv('NODE_ENV', 'production')
    const realKeys = { QSTASH_CURRENT_SIGNING_KEY: 'sig_current', QSTASH_NEXT_SIGNING_KEY: 'sig_next' }
    expect(webhookStartupSummary({ ...production, ...realKeys })).toContain(
      `signatures must name this URL: ${production.WEBHOOK_PUBLIC_URL}`,
    )
  })
})
