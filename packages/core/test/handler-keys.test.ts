// Handler keys a user cannot get silently wrong: typos warn at construction (or throw with
// strictHandlers), and the first ignored delivery of each unknown type is logged once.
import { createWebhookRouter, qstash, uploadcare, WebhookConfigError } from '@upload-webhooks/core'
import { createTestDelivery, devSecret, devSigningKeys } from '@upload-webhooks/core/testing'
import { describe, expect, it, vi } from 'vitest'

const logger = () => ({ warn: vi.fn(), error: vi.fn(), info: vi.fn() })

describe('handler keys at construction', () => {
  it('a key one typo away from a known type warns, naming the closest type', () => {
    const log = logger()
    createWebhookRouter({ verify: qstash({ ...devSigningKeys }), handlers: { onUploadCompleted: () => {} }, logger: log })
    expect(log.warn).toHaveBeenCalledTimes(1)
    expect(log.warn.mock.calls[0]![0]).toMatch(/`onUploadCompleted`.*did you mean `onUploadComplete`\?/)
  })

  it('strictHandlers: true makes it a WebhookConfigError', () => {
    const make = () =>
      createWebhookRouter({ verify: qstash({ ...devSigningKeys }), handlers: { 'qstash.failures': () => {} }, strictHandlers: true })
    expect(make).toThrow(WebhookConfigError)
    expect(make).toThrow(/did you mean `qstash.failure`/)
  })

  it('typed events reach handlers through the closed map, and an open sender in the list reopens it', () => {
    createWebhookRouter({
      verify: uploadcare({ secret: devSecret }),
      handlers: { 'file.uploaded': (event) => void event.data.uuid },
      logger: logger(),
    })
    createWebhookRouter({
      verify: [uploadcare({ secret: devSecret }), qstash({ ...devSigningKeys })],
      handlers: { 'invoice.paid': () => {} },
      logger: logger(),
    })
  })

  it('with open senders (QStash carries any publisher’s events) a custom type far from any known one is fine', () => {
    const log = logger()
    createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      handlers: { 'invoice.paid': () => {}, onUploadComplete: () => {} },
      logger: log,
    })
    expect(log.warn).not.toHaveBeenCalled()
  })

  it('when every sender’s event set is closed (Uploadcare), any unknown key warns with the list', () => {
    const log = logger()
    createWebhookRouter({
      verify: uploadcare({ secret: devSecret }),
      // A closed event set is a type error too: typecheck fails if this key stops being one.
      // @ts-expect-error 'invoice.paid' is not an Uploadcare event type
      handlers: { 'invoice.paid': () => {}, 'file.stored': () => {} },
      logger: log,
    })
    expect(log.warn).toHaveBeenCalledTimes(1)
    expect(log.warn.mock.calls[0]![0]).toMatch(/`invoice.paid`.*file\.uploaded/)
  })
})

describe('unknown types at run time', () => {
  it('the first ignored delivery of each type is logged once at info, with the handler keys', async () => {
    const log = logger()
    const router = createWebhookRouter({ verify: qstash({ ...devSigningKeys }), handlers: { onUploadComplete: () => {} }, logger: log })
    for (let i = 0; i < 3; i++) await router.handle(await createTestDelivery({ verifier: 'qstash', event: { event: 'onUploadDeleted' } }))
    await router.handle(await createTestDelivery({ verifier: 'qstash', event: { event: 'onOther' } }))
    const lines = log.info.mock.calls.filter(([message]) => /no handler for/.test(message))
    expect(lines).toHaveLength(2)
    expect(lines[0]![0]).toContain('"onUploadDeleted"')
    expect(lines[0]![1]).toEqual({ handlers: ['onUploadComplete'] })
  })
})
