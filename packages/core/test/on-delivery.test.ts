// onDelivery: one report per request, for every outcome, with what is known and nothing secret;
// a failing observer never changes the answer.
import {
  createWebhookRouter,
  type DeliveryReport,
  memoryStore,
  NonRetryableError,
  qstash,
  WebhookConfigError,
  type WebhookRouterOptions,
} from '@upload-webhooks/core'
import { createTestDelivery, devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { describe, expect, it, vi } from 'vitest'
import { downStore } from './recording-store.js'

const url = 'http://localhost/api/webhooks/upload'
const upload = { event: 'onUploadComplete', file: { id: 'file_1', fileName: 'secret-plans.pdf' } }

function observed(overrides: Partial<WebhookRouterOptions> = {}) {
  const reports: DeliveryReport[] = []
  let calls = 0
  const router = createWebhookRouter({
    verify: qstash({ ...devSigningKeys }),
    store: memoryStore(),
    logger: silentLogger,
    handlers: {
      onUploadComplete: () => {
        calls++
      },
    },
    onDelivery: (report) => void reports.push(report),
    ...overrides,
  })
  return { router, reports, calls: () => calls }
}

const delivery = (deliveryId: string, init: { event?: unknown; secret?: string; retried?: number } = {}) =>
  createTestDelivery({
    verifier: 'qstash',
    event: init.event ?? upload,
    deliveryId,
    url,
    headers: { 'upstash-retried': String(init.retried ?? 0) },
    ...(init.secret ? { secret: init.secret } : {}),
  })

describe('onDelivery', () => {
  it('reports processed, duplicate and ignored with sender, type, delivery ID, attempt and timing', async () => {
    const { router, reports } = observed()
    await router.handle(await delivery('msg_a'))
    await router.handle(await delivery('msg_a', { retried: 1 }))
    await router.handle(await delivery('msg_b', { event: { event: 'onSomethingElse' } }))
    expect(reports.map(({ at, durationMs, ...rest }) => rest)).toEqual([
      { status: 200, outcome: 'processed', sender: 'qstash', type: 'onUploadComplete', deliveryId: 'msg_a', attempt: 0 },
      { status: 200, outcome: 'duplicate', sender: 'qstash', type: 'onUploadComplete', deliveryId: 'msg_a', attempt: 1 },
      { status: 200, outcome: 'ignored', sender: 'qstash', type: 'onSomethingElse', deliveryId: 'msg_b', attempt: 0 },
    ])
    for (const report of reports) {
      expect(new Date(report.at).toISOString()).toBe(report.at)
      expect(report.durationMs).toBeGreaterThanOrEqual(0)
    }
  })

  it('reports refusals before authentication with only what is known, and never the body', async () => {
    const { router, reports } = observed()
    await router.handle(await delivery('msg_forged', { secret: 'not-the-key' }))
    await router.handle(new Request(url, { method: 'GET' }))
    expect(reports.map(({ at, durationMs, ...rest }) => rest)).toEqual([
      { status: 401, outcome: 'rejected', reason: 'invalid_signature' },
      { status: 405, outcome: 'rejected', reason: 'method_not_allowed' },
    ])
    expect(JSON.stringify(reports)).not.toContain('secret-plans')
  })

  it('keeps the sender and delivery ID of an authentic delivery refused later (malformed JSON)', async () => {
    const { router, reports } = observed()
    await router.handle(await createTestDelivery({ verifier: 'qstash', event: '{not json', deliveryId: 'msg_json', url }))
    expect(reports[0]).toMatchObject({
      status: 400,
      outcome: 'rejected',
      reason: 'malformed_json',
      sender: 'qstash',
      deliveryId: 'msg_json',
    })
    expect(reports[0]).not.toHaveProperty('type')
  })

  it('maps 5xx to error and 4xx from handlers and 409s to rejected, with the reason', async () => {
    let call = 0
    const { router, reports } = observed({
      handlers: {
        onUploadComplete: () => {
          call++
          if (call === 1) throw new Error('database blip')
          if (call === 2) throw new NonRetryableError('not allowed')
        },
      },
    })
    await router.handle(await delivery('msg_fail'))
    await router.handle(await delivery('msg_refused'))
    const down = observed({ store: downStore })
    await down.router.handle(await delivery('msg_down'))
    expect([...reports, ...down.reports].map((r) => [r.status, r.outcome, r.reason])).toEqual([
      [500, 'error', 'handler_failed'],
      [489, 'rejected', 'non_retryable'],
      [503, 'error', 'store_unavailable'],
    ])
  })

  it('reports a delivery still running as rejected in_flight', async () => {
    let finish: (() => void) | undefined
    const { router, reports } = observed({
      handlers: { onUploadComplete: () => new Promise<void>((resolve) => (finish = resolve)) },
    })
    const first = router.handle(await delivery('msg_slow'))
    await vi.waitFor(() => expect(finish).toBeDefined())
    await router.handle(await delivery('msg_slow', { retried: 1 }))
    finish!()
    await first
    expect(reports.map((r) => [r.status, r.outcome, r.reason])).toEqual([
      [409, 'rejected', 'in_flight'],
      [200, 'processed', undefined],
    ])
  })

  it('a throwing or rejecting observer is logged and the answer stands', async () => {
    const error = vi.fn()
    const logger = { ...silentLogger, error }
    for (const onDelivery of [
      () => {
        throw new Error('observer bug')
      },
      () => Promise.reject(new Error('async observer bug')),
    ]) {
      const { router, calls } = observed({ onDelivery: onDelivery as () => void, logger })
      const response = await router.handle(await delivery(`msg_${crypto.randomUUID()}`))
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ status: 'processed' })
      expect(calls()).toBe(1)
    }
    await vi.waitFor(() => expect(error).toHaveBeenCalledTimes(2))
    expect(error.mock.calls[0]![0]).toMatch(/onDelivery threw/)
  })

  it('is refused at construction unless a function', () => {
    expect(() => observed({ onDelivery: 'console.log' as never })).toThrow(WebhookConfigError)
    expect(() => observed({ onDelivery: 'console.log' as never })).toThrow(/`onDelivery` must be a function/)
  })
})
