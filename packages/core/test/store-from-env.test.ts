// With no `store` option the router picks its store from the environment, as the infra stack's
// outputs provide it: Upstash, else REDIS_URL (Node), else memory — and says which, once.
import { createWebhookRouter, qstash, WebhookConfigError } from '@upload-webhooks/core'
import { createTestDelivery, devSigningKeys } from '@upload-webhooks/core/testing'
import { Redis as IORedis } from 'ioredis'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { UPSTASH_URL, upstashRestHandlers } from './upstash-rest.js'

const redisUrl = inject('redisUrl')
const admin = redisUrl ? new IORedis(redisUrl) : undefined
const msw = setupServer()
beforeAll(() => {
  if (!admin) return
  msw.use(...upstashRestHandlers(admin, { down: false }))
  msw.listen({ onUnhandledRequest: 'bypass' })
})
afterAll(() => {
  msw.close()
  admin?.disconnect()
})
afterEach(() => vi.unstubAllEnvs())

const logger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() })
const make = (log: ReturnType<typeof logger>, prefix: string, handled: string[]) =>
  createWebhookRouter({
    verify: qstash({ ...devSigningKeys }),
    dedupe: { keyPrefix: prefix },
    handlers: { onUploadComplete: (_event, ctx) => void handled.push(ctx.deliveryId) },
    logger: log,
  })
const deliver = async (router: ReturnType<typeof make>, id: string) =>
  (
    (await (
      await router.handle(
        await createTestDelivery({ verifier: 'qstash', event: { event: 'onUploadComplete', file: { id: 'f' } }, deliveryId: id }),
      )
    ).json()) as { status: string }
  ).status

describe('the store from the environment', () => {
  it.skipIf(!redisUrl)(
    'REDIS_URL: two routers (two processes’ worth) share one Redis; the startup line names the host, not credentials',
    async () => {
      const withPassword = redisUrl!.replace('redis://', 'redis://default:hunter2@')
      vi.stubEnv('REDIS_URL', redisUrl!.includes('@') ? redisUrl! : withPassword.replace(':hunter2', ''))
      const log = logger()
      const handled: string[] = []
      const prefix = `env:${crypto.randomUUID()}`
      const [first, second] = [make(log, prefix, handled), make(log, prefix, handled)]
      expect(await deliver(first, 'msg_env_1')).toBe('processed')
      expect(await deliver(second, 'msg_env_1')).toBe('duplicate')
      expect(handled).toEqual(['msg_env_1'])
      expect(await admin!.keys(`${prefix}:*`)).not.toEqual([])
      expect(log.info).toHaveBeenCalledWith(expect.stringMatching(/dedupe store: Redis at 127\.0\.0\.1:\d+ \(REDIS_URL\)/))
      expect(JSON.stringify(log.info.mock.calls)).not.toContain('hunter2')
    },
  )

  it.skipIf(!redisUrl)('UPSTASH_REDIS_REST_URL + _TOKEN: the Upstash store (over its REST API), preferred over REDIS_URL', async () => {
    vi.stubEnv('UPSTASH_REDIS_REST_URL', UPSTASH_URL)
    vi.stubEnv('UPSTASH_REDIS_REST_TOKEN', 'secret-token')
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:1')
    const log = logger()
    const handled: string[] = []
    const prefix = `env:${crypto.randomUUID()}`
    const router = make(log, prefix, handled)
    expect(await deliver(router, 'msg_env_2')).toBe('processed')
    expect(await deliver(make(log, prefix, handled), 'msg_env_2')).toBe('duplicate')
    expect(await admin!.keys(`${prefix}:*`)).not.toEqual([])
    expect(log.info).toHaveBeenCalledWith(expect.stringMatching(/dedupe store: Upstash Redis at .* \(UPSTASH_REDIS_REST_URL\)/))
    expect(JSON.stringify(log.info.mock.calls)).not.toContain('secret-token')
  })

  it('neither: the memory store, and the line says so', async () => {
    const log = logger()
    const handled: string[] = []
    const router = make(log, 'env-memory', handled)
    expect(await deliver(router, 'msg_env_3')).toBe('processed')
    expect(log.info).toHaveBeenCalledWith(expect.stringMatching(/dedupe store: in memory/))
  })

  it('half an Upstash pair, or a REDIS_URL that is not a URL, is a WebhookConfigError naming the variable', () => {
    vi.stubEnv('UPSTASH_REDIS_REST_URL', UPSTASH_URL)
    expect(() => make(logger(), 'x', [])).toThrow(WebhookConfigError)
    expect(() => make(logger(), 'x', [])).toThrow(/UPSTASH_REDIS_REST_TOKEN/)
    vi.unstubAllEnvs()
    vi.stubEnv('REDIS_URL', 'not a url')
    expect(() => make(logger(), 'x', [])).toThrow(/REDIS_URL is not a URL/)
  })

  it('an explicit store always wins: nothing is read from the environment', () => {
    vi.stubEnv('REDIS_URL', 'not a url')
    const log = logger()
    const store = { claim: vi.fn(), commit: vi.fn(), release: vi.fn() }
    expect(() => createWebhookRouter({ verify: qstash({ ...devSigningKeys }), handlers: {}, store, logger: log })).not.toThrow()
    expect(log.info).not.toHaveBeenCalled()
  })
})
