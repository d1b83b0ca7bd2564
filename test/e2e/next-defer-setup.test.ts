// examples/next's env → deferred mode wiring (lib/defer-setup.ts): off unless DEFER_URL is set,
// and a half-set environment is refused at startup naming the variable to set.
import { WebhookConfigError } from '@upload-webhooks/core'
import { describe, expect, it } from 'vitest'
import { deferOptionsFromEnv, deferSetupFromEnv, workerFromEnv } from '../../examples/next/lib/defer-setup.js'

const DEFER_URL = 'https://app.example.com/api/webhooks/upload/consumer'

describe('examples/next deferSetupFromEnv', () => {
  it('without DEFER_URL: inline, no engine and no worker', () => {
    expect(deferSetupFromEnv({ QSTASH_TOKEN: 'token' })).toBeUndefined()
    expect(deferOptionsFromEnv({ QSTASH_TOKEN: 'token', DEFER_URL: ' ' })).toBeUndefined()
    expect(workerFromEnv({})).toBeUndefined()
  })

  it('refuses DEFER_URL without QSTASH_TOKEN, naming both and the way back to inline', () => {
    const refusal = () => deferSetupFromEnv({ DEFER_URL })
    expect(refusal).toThrow(WebhookConfigError)
    expect(refusal).toThrow(/DEFER_URL is set.*QSTASH_TOKEN is not.*unset DEFER_URL to run handlers inline/)
  })

  it('refuses a DEFER_URL that is not the consumer route (jobs sent to the webhook route would be refused there)', () => {
    const refusal = () => deferSetupFromEnv({ DEFER_URL: 'https://app.example.com/api/webhooks/upload', QSTASH_TOKEN: 'token' })
    expect(refusal).toThrow(WebhookConfigError)
    expect(refusal).toThrow(/DEFER_URL must be this app's consumer route, .*\/api\/webhooks\/upload\/consumer/)
  })

  it('with DEFER_URL and QSTASH_TOKEN: the QStash engine, and one in-memory store for the router and the worker', () => {
    const env = { DEFER_URL, QSTASH_TOKEN: 'token' }
    const options = deferOptionsFromEnv(env)
    expect(options?.defer.name).toBe('qstash')
    expect(options?.store).toBeDefined()
    expect(deferSetupFromEnv(env)?.store).toBe(options?.store)
    expect(workerFromEnv(env)?.handle).toBeTypeOf('function')
  })

  it("with a shared Redis: core's store from the environment for both", () => {
    expect(deferOptionsFromEnv({ DEFER_URL, QSTASH_TOKEN: 'token', REDIS_URL: 'redis://127.0.0.1:1' })?.store).toBeUndefined()
  })
})
