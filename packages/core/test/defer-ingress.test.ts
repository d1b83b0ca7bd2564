// The ingress half of "answer fast, process later": claim, await the engine's acknowledgement,
// commit, 202; a refused or late enqueue releases the claim and answers 503 so the retry runs.
import {
  createWebhookRouter,
  createWorker,
  type DeferEngine,
  type DeliveryHandlers,
  type EnqueueRequest,
  jobDedupeId,
  memoryStore,
  qstash,
  WebhookConfigError,
} from '@upload-webhooks/core'
import { createTestDelivery, devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'

const url = 'http://localhost/api/webhooks/upload'
const upload = { event: 'onUploadComplete', file: { id: 'file_1', fileName: 'a.jpg' } }

/** An engine that records each request and answers as told. */
function recordingEngine(answer: (request: EnqueueRequest) => Promise<void> = async () => {}) {
  const requests: EnqueueRequest[] = []
  const engine: DeferEngine = {
    name: 'recording',
    enqueue: (request) => {
      requests.push(request)
      return answer(request)
    },
  }
  return { engine, requests }
}

function routerWith(engine: DeferEngine, extra: Record<string, unknown> = {}) {
  const handler = vi.fn()
  const router = createWebhookRouter({
    verify: qstash({ ...devSigningKeys }),
    handlers: { onUploadComplete: handler, 'qstash.failure': handler },
    store: memoryStore(),
    logger: silentLogger,
    defer: engine,
    ...extra,
  })
  return { router, handler }
}

async function send(router: { handle(r: Request): Promise<Response> }, deliveryId: string, event: unknown = upload) {
  const response = await router.handle(await createTestDelivery({ verifier: 'qstash', event, url, deliveryId }))
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  }
}

afterEach(() => vi.useRealTimers())

describe('defer: the ingress', () => {
  it('answers 202 accepted once the engine holds the job, which carries the delivery as JSON under a stable dedupe ID', async () => {
    const { engine, requests } = recordingEngine()
    const { router, handler } = routerWith(engine)
    expect(await send(router, 'msg_a')).toMatchObject({ status: 202, body: { status: 'accepted', deliveryId: 'msg_a' } })
    expect(handler).not.toHaveBeenCalled()
    expect(requests).toHaveLength(1)
    const [{ job, dedupeId }] = requests as [EnqueueRequest]
    expect(JSON.parse(JSON.stringify(job))).toEqual({
      v: 1,
      deliveryId: 'msg_a',
      sender: 'qstash',
      type: 'onUploadComplete',
      event: expect.objectContaining({ type: 'onUploadComplete', sender: 'qstash', file: expect.objectContaining({ id: 'file_1' }) }),
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    expect(dedupeId).toBe(jobDedupeId('qstash', 'msg_a'))
    expect(dedupeId).not.toMatch(/:/)
    expect(Number.isInteger(Number(dedupeId))).toBe(false)
  })

  it('a later duplicate is 200 duplicate and is not enqueued again', async () => {
    const { engine, requests } = recordingEngine()
    const { router } = routerWith(engine)
    await send(router, 'msg_dup')
    expect(await send(router, 'msg_dup')).toMatchObject({ status: 200, body: { status: 'duplicate' } })
    expect(requests).toHaveLength(1)
  })

  it('one still enqueuing is 409 in_flight, and two identical deliveries at once make one job', async () => {
    let acknowledge!: () => void
    const { engine, requests } = recordingEngine(() => new Promise<void>((resolve) => (acknowledge = resolve)))
    const { router } = routerWith(engine)
    const first = send(router, 'msg_twice')
    await vi.waitFor(() => expect(requests).toHaveLength(1))
    expect(await send(router, 'msg_twice')).toMatchObject({ status: 409, body: { reason: 'in_flight' } })
    acknowledge()
    expect(await first).toMatchObject({ status: 202 })
    expect(requests).toHaveLength(1)
  })

  it('an enqueue error is 503 enqueue_failed with Retry-After, the claim released: the retry is enqueued', async () => {
    let fail = true
    const { engine, requests } = recordingEngine(async () => {
      if (fail) throw new Error('connection refused')
    })
    const { router } = routerWith(engine)
    expect(await send(router, 'msg_err')).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: { status: 'error', reason: 'enqueue_failed' },
    })
    fail = false
    expect(await send(router, 'msg_err')).toMatchObject({ status: 202, body: { status: 'accepted' } })
    expect(requests).toHaveLength(2)
  })

  it('an engine that does not answer within enqueueTimeoutMs is 503 enqueue_failed, its signal aborted, the claim released', async () => {
    const { engine, requests } = recordingEngine(() => new Promise<void>(() => {}))
    const { router } = routerWith(engine, { enqueueTimeoutMs: 100 })
    const started = Date.now()
    expect(await send(router, 'msg_slow')).toMatchObject({ status: 503, body: { reason: 'enqueue_failed' } })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(requests[0]!.signal.aborted).toBe(true)
    expect(await send(router, 'msg_slow')).toMatchObject({ status: 503 })
    expect(requests).toHaveLength(2)
  })

  it('deferTypes limits what is deferred: the other handled types run inline', async () => {
    const { engine, requests } = recordingEngine()
    const { router, handler } = routerWith(engine, { deferTypes: ['onUploadComplete'] })
    const failure = { sourceMessageId: 'msg_src', status: 500, retried: 3, maxRetries: 3, url, body: '', sourceBody: '' }
    expect(await send(router, 'msg_inline', failure)).toMatchObject({ status: 200, body: { status: 'processed' } })
    expect(handler).toHaveBeenCalledTimes(1)
    expect(requests).toHaveLength(0)
  })

  it('a verified type with no handler is still 200 ignored, never enqueued', async () => {
    const { engine, requests } = recordingEngine()
    const { router } = routerWith(engine)
    expect(await send(router, 'msg_unknown', { event: 'somethingElse' })).toMatchObject({ status: 200, body: { status: 'ignored' } })
    expect(requests).toHaveLength(0)
  })
})

describe('defer: options are checked at construction', () => {
  const make = (extra: Record<string, unknown>) => () =>
    createWebhookRouter({ verify: qstash({ ...devSigningKeys }), handlers: { onUploadComplete: () => {} }, store: memoryStore(), ...extra })
  it.each([
    [{ defer: {} }, /`defer` must be an engine/],
    [{ deferTypes: ['onUploadComplete'] }, /`deferTypes` needs `defer`/],
    [{ defer: recordingEngine().engine, deferTypes: ['onUploadCompleted'] }, /"onUploadCompleted" with no handler/],
    [{ defer: recordingEngine().engine, enqueueTimeoutMs: 60_000 }, /`enqueueTimeoutMs` must be a number from 100 to 25000/],
    [{ answerBudgetSeconds: 0 }, /`answerBudgetSeconds` must be a number from 1 to 3600/],
  ])('%o is a WebhookConfigError naming the fix', (extra, message) => {
    expect(make(extra)).toThrow(WebhookConfigError)
    expect(make(extra)).toThrow(message)
  })
})

describe('the answer budget of inline handlers', () => {
  it('a handler still running at 80% of answerBudgetSeconds logs one warning naming defer; a quick one logs none', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const warn = vi.fn()
    let finish!: () => void
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      handlers: {
        onUploadComplete: (event: { file: { id: string } }) =>
          event.file.id === 'slow' ? new Promise<void>((resolve) => (finish = resolve)) : Promise.resolve(),
      },
      store: memoryStore(),
      logger: { ...silentLogger, warn },
      answerBudgetSeconds: 10,
    })
    await send(router, 'msg_quick')
    vi.advanceTimersByTime(20_000)
    expect(warn).not.toHaveBeenCalled()
    const slow = send(router, 'msg_slow_handler', { event: 'onUploadComplete', file: { id: 'slow' } })
    await vi.waitFor(() => expect(finish).toBeTypeOf('function'))
    vi.advanceTimersByTime(7_900)
    expect(warn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(200)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]![0]).toMatch(/"onUploadComplete" handler is still running at 80% of qstash's 10 s answer budget.*`defer`/)
    finish()
    expect(await slow).toMatchObject({ status: 200, body: { status: 'processed' } })
  })
})

describe('one handler map for the router and the worker', () => {
  it('DeliveryHandlers type-check as both, and each gets the context it promises', async () => {
    const seen: string[] = []
    const handlers = {
      onUploadComplete: (event, ctx) => void seen.push(`${ctx.sender} ${ctx.deliveryId} ${ctx.attempt} ${event.file.id}`),
    } satisfies DeliveryHandlers
    const router = createWebhookRouter({ verify: qstash({ ...devSigningKeys }), handlers, store: memoryStore(), logger: silentLogger })
    const worker = createWorker({ handlers, store: memoryStore(), logger: silentLogger })
    await send(router, 'msg_shared')
    const job = { v: 1, deliveryId: 'msg_job', sender: 'qstash', type: 'onUploadComplete', receivedAt: new Date().toISOString() }
    await worker.process({ ...job, event: { type: 'onUploadComplete', sender: 'qstash', file: { id: 'file_2' } } })
    expect(seen).toEqual(['qstash msg_shared 0 file_1', 'qstash msg_job 0 file_2'])
  })
})
