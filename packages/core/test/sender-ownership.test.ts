// A type belongs to the configured senders that declare it: a handled type is never answered 2xx
// without running, whichever sender delivers it, and a type two senders may send is said at startup.
import {
  createWebhookRouter,
  qstash,
  sonuslab,
  standardWebhooks,
  uploadcare,
  type Verifier,
  WebhookConfigError,
  type WebhookHandlers,
} from '@upload-webhooks/core'
import { createTestDelivery, devSecret, devSigningKeys, devStandardWebhooksSecret, type TestSender } from '@upload-webhooks/core/testing'
import { describe, expect, it, vi } from 'vitest'

const url = 'http://localhost/api/webhooks/upload'
const logger = () => ({ warn: vi.fn(), error: vi.fn(), info: vi.fn() })
const sw = (events?: string[]) => standardWebhooks({ secret: devStandardWebhooksSecret, ...(events ? { events } : {}) })

function routerWith(verify: Verifier[], log = logger()) {
  const ran: string[] = []
  const record = (event: { type: string; sender: string }) => void ran.push(`${event.sender} ${event.type}`)
  const handlers: WebhookHandlers = { 'upload.completed': record }
  return { router: createWebhookRouter({ verify, handlers, logger: log }), ran, log }
}

async function send(router: { handle(request: Request): Promise<Response> }, verifier: TestSender, type: string) {
  const event = verifier === 'standard-webhooks' ? { type, timestamp: 't', data: {} } : { event: type, data: {} }
  const response = await router.handle(await createTestDelivery({ verifier, event, url }))
  const body = (await response.json()) as { status: string; reason?: string }
  return `${response.status} ${body.reason ?? body.status}`
}

describe('a type no configured sender declares reaches its handler from any configured sender', () => {
  it('standardWebhooks() alone runs its upload.completed handler (Sonuslab declares the type, but is not configured)', async () => {
    const { router, ran, log } = routerWith([sw()])
    expect(await send(router, 'standard-webhooks', 'upload.completed')).toBe('200 processed')
    expect(ran).toEqual(['standard-webhooks upload.completed'])
    expect(log.warn).not.toHaveBeenCalled()
  })

  it('a QStash publisher sending {"event":"upload.completed"} runs its handler', async () => {
    const { router, ran } = routerWith([qstash({ ...devSigningKeys })])
    expect(await send(router, 'qstash', 'upload.completed')).toBe('200 processed')
    expect(ran).toEqual(['qstash upload.completed'])
  })
})

describe('a type one configured sender declares and another may send too', () => {
  it('is a warning at construction naming the type and both senders; strictHandlers makes it an error', () => {
    const { log } = routerWith([sonuslab({ secret: devSecret }), sw()])
    const shared = log.warn.mock.calls.map(([message]) => message as string).filter((message) => message.includes('`upload.completed`'))
    expect(shared).toHaveLength(1)
    expect(shared[0]).toMatch(/sonuslab declares this type, and standard-webhooks may send it too/)
    expect(shared[0]).toContain("events: ['upload.completed']")
    const strict = () =>
      createWebhookRouter({
        verify: [sonuslab({ secret: devSecret }), sw()],
        handlers: { 'upload.completed': () => {} },
        strictHandlers: true,
      })
    expect(strict).toThrow(WebhookConfigError)
    expect(strict).toThrow(/`upload.completed`: sonuslab declares this type, and standard-webhooks may send it too/)
  })

  it('the undeclared sender’s delivery is refused 403 (never 2xx unrun), logged as an error once per sender and type', async () => {
    const { router, ran, log } = routerWith([sonuslab({ secret: devSecret }), sw()])
    expect(await send(router, 'standard-webhooks', 'upload.completed')).toBe('403 sender_not_allowed')
    expect(await send(router, 'standard-webhooks', 'upload.completed')).toBe('403 sender_not_allowed')
    expect(await send(router, 'sonuslab', 'upload.completed')).toBe('200 processed')
    expect(ran).toEqual(['sonuslab upload.completed'])
    expect(log.error).toHaveBeenCalledTimes(1)
    expect(log.error.mock.calls[0]![0]).toMatch(/standard-webhooks sent a "upload.completed" event.*only sonuslab may reach.*403/)
  })

  it('declared on the other sender too (events: [...]), both reach the handler and nothing warns', async () => {
    const { router, ran, log } = routerWith([sonuslab({ secret: devSecret }), sw(['upload.completed'])])
    expect(log.warn).not.toHaveBeenCalled()
    expect(await send(router, 'standard-webhooks', 'upload.completed')).toBe('200 processed')
    expect(await send(router, 'sonuslab', 'upload.completed')).toBe('200 processed')
    expect(ran).toEqual(['standard-webhooks upload.completed', 'sonuslab upload.completed'])
  })

  it('senders that each declare their own types (QStash, Sonuslab, Uploadcare) are no ambiguity at startup', async () => {
    const log = logger()
    const router = createWebhookRouter({
      verify: [qstash({ ...devSigningKeys }), sonuslab({ secret: devSecret }), uploadcare({ secret: devSecret })],
      handlers: { onUploadComplete: () => {}, 'upload.completed': () => {}, 'file.uploaded': () => {} },
      logger: log,
    })
    expect(log.warn).not.toHaveBeenCalled()
    // Still never 2xx unrun: a QStash publisher naming Sonuslab's type is refused, so it retries.
    expect(await send(router, 'qstash', 'upload.completed')).toBe('403 sender_not_allowed')
  })
})

describe('the events option', () => {
  it.each([['upload.completed'], [['']], [[42]]])('refuses %j at construction, naming the option', (events) => {
    expect(() => standardWebhooks({ secret: devStandardWebhooksSecret, events: events as never })).toThrow(/`events` must be an array/)
  })

  it('adds to a sender’s own typed events', () => {
    expect(sonuslab({ secret: devSecret, events: ['upload.deleted'] }).events).toEqual(['upload.completed', 'upload.deleted'])
  })
})
