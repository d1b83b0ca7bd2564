import { createWebhookRouter, NonRetryableError, qstash, VerificationError, WebhookConfigError } from '@upload-webhooks/core'
import { createTestDelivery, devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { describe, expect, it } from 'vitest'

/** What an error class from a second copy of core (a bundler duplicate) looks like to this copy. */
const NON_RETRYABLE: unique symbol = Symbol.for('@upload-webhooks/core.NonRetryableError') as never
const VERIFICATION: unique symbol = Symbol.for('@upload-webhooks/core.VerificationError') as never

class OtherCopyNonRetryableError extends Error {
  readonly [NON_RETRYABLE] = true
}
class OtherCopyVerificationError extends Error {
  readonly [VERIFICATION] = true
  constructor(
    readonly reason: string,
    readonly status = 401,
  ) {
    super(reason)
  }
}

describe('error classes across copies of core', () => {
  it('instanceof recognises an instance from another copy, and still refuses plain errors', () => {
    expect(new OtherCopyNonRetryableError() instanceof NonRetryableError).toBe(true)
    expect(new Error('x') instanceof NonRetryableError).toBe(false)
    expect(new NonRetryableError('x') instanceof VerificationError).toBe(false)
    expect(new WebhookConfigError('x') instanceof WebhookConfigError).toBe(true)
  })

  it('subclasses keep ordinary instanceof semantics', () => {
    class UserDeleted extends NonRetryableError {}
    expect(new UserDeleted('gone') instanceof NonRetryableError).toBe(true)
    expect(new NonRetryableError('x') instanceof UserDeleted).toBe(false)
  })

  it("a handler throwing another copy's NonRetryableError still gets 489, and a verifier's VerificationError its reason", async () => {
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      logger: silentLogger,
      handlers: {
        onUploadComplete: () => {
          throw new OtherCopyNonRetryableError('bad upload')
        },
      },
    })
    const res = await router.handle(await createTestDelivery({ verifier: 'qstash', event: { event: 'onUploadComplete' } }))
    expect(res.status).toBe(489)

    const custom = createWebhookRouter({
      verify: { name: 'custom', matches: () => true, verify: () => Promise.reject(new OtherCopyVerificationError('wrong_url')) },
      logger: silentLogger,
      handlers: {},
    })
    const rejected = await custom.handle(
      new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    )
    expect(await rejected.json()).toMatchObject({ reason: 'wrong_url' })
  })
})
