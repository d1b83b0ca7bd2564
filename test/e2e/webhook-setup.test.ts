// The examples' env → verifier wiring (one file, copied into each example): what each variable
// selects. The dedupe store is core's from the environment (packages/core/test/store-from-env.test.ts).
import { WebhookConfigError } from '@upload-webhooks/core'
import { devSigningKeys } from '@upload-webhooks/core/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { webhookPlanFromEnv, webhookSetupFromEnv } from '../../examples/express/src/webhook-setup.js'

describe('webhookPlanFromEnv', () => {
  it('with nothing set: the dev keys, and says so', () => {
    const plan = webhookPlanFromEnv({})
    expect(plan.keys).toEqual(devSigningKeys)
    expect(plan.url).toBeUndefined()
    expect(plan.summary.join('\n')).toMatch(/public DEV keys/)
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
      /^This is a production start and WEBHOOK_PUBLIC_URL is not set/,
    )
    expect(() =>
      webhookPlanFromEnv({
        NODE_ENV: 'production',
        QSTASH_CURRENT_SIGNING_KEY: 'sig_current',
        WEBHOOK_PUBLIC_URL: 'https://a.example/hook',
      }),
    ).toThrow(/^This is a production start and QSTASH_NEXT_SIGNING_KEY is not set/)
  })

  it('refuses a production build started without NODE_ENV (`production` from the framework), naming each variable', () => {
    expect(webhookPlanFromEnv({}, false).keys).toEqual(devSigningKeys)
    expect(() => webhookPlanFromEnv({}, true)).toThrow(
      /QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY, WEBHOOK_PUBLIC_URL are not set/,
    )
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
  })

  it('treats empty values (as copied from .env.example) as unset', () => {
    expect(webhookPlanFromEnv({ QSTASH_CURRENT_SIGNING_KEY: '', QSTASH_NEXT_SIGNING_KEY: ' ', WEBHOOK_PUBLIC_URL: '' })).toMatchObject({
      keys: devSigningKeys,
      url: undefined,
    })
  })
})

describe('webhookSetupFromEnv', () => {
  it('builds a QStash verifier, and leaves the store to core', () => {
    const setup = webhookSetupFromEnv({})
    expect(setup.verify.name).toBe('qstash')
    expect(Object.keys(setup).sort()).toEqual(['production', 'summary', 'verify'])
  })
})

describe('webhookSetupFromEnv as the startup check of Nuxt and Next, which build their route on the first delivery', () => {
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
    expect(() => webhookSetupFromEnv({ ...production, ...devKeysAsReal })).toThrow(/published development key/)
  })

  it('refuses the published dev keys set as real keys in a production build without NODE_ENV, naming the variables', () => {
    const devKeysAsReal = {
      QSTASH_CURRENT_SIGNING_KEY: devSigningKeys.currentSigningKey,
      QSTASH_NEXT_SIGNING_KEY: devSigningKeys.nextSigningKey,
    }
    expect(webhookSetupFromEnv({ ...production, NODE_ENV: '', ...devKeysAsReal }, false).production).toBe(false)
    expect(() => webhookSetupFromEnv({ ...production, NODE_ENV: '', ...devKeysAsReal }, true)).toThrow(
      /QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY hold the published development keys/,
    )
  })

  it('returns the summary when the environment is fine', () => {
    vi.stubEnv('NODE_ENV', 'production')
    const realKeys = { QSTASH_CURRENT_SIGNING_KEY: 'sig_current', QSTASH_NEXT_SIGNING_KEY: 'sig_next' }
    expect(webhookSetupFromEnv({ ...production, ...realKeys }).summary).toContain(
      `signatures must name this URL: ${production.WEBHOOK_PUBLIC_URL}`,
    )
  })
})
