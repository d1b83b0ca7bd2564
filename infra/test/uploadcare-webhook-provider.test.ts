import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isUploadcareApiError } from '../src/uploadcare/http.js'
import { uploadcareWebhookProvider as provider, type UploadcareWebhookInputs } from '../src/uploadcare/webhook-provider.js'
import {
  createFakeUploadcare,
  UPLOADCARE_TEST_PUBLIC_KEY,
  UPLOADCARE_TEST_SECRET_KEY,
  UPLOADCARE_TEST_URL,
} from './support/fake-uploadcare.js'

const uploadcare = createFakeUploadcare()
const server = setupServer(...uploadcare.handlers)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => uploadcare.reset())
afterAll(() => server.close())

const TARGET = 'https://app.example.com/api/webhooks/upload'
const inputs = (over: Partial<UploadcareWebhookInputs> = {}): UploadcareWebhookInputs => ({
  baseUrl: UPLOADCARE_TEST_URL,
  publicKey: UPLOADCARE_TEST_PUBLIC_KEY,
  secretKey: UPLOADCARE_TEST_SECRET_KEY,
  auth: 'signed',
  targetUrl: TARGET,
  event: 'file.uploaded',
  isActive: true,
  version: '0.7',
  signingSecret: 'whsec-0123456789abcdef0123456789',
  ...over,
})
const summary = () => uploadcare.calls.map((c) => `${c.method} ${c.path}`)

describe('Uploadcare webhook provider', () => {
  it('create lists, then subscribes with a signed request, and the id names event and URL', async () => {
    const res = await provider.create(inputs())
    expect(res.id).toBe(`file.uploaded ${TARGET}`)
    expect(res.outs).toMatchObject({ webhookId: 1, project: 13 })
    expect(summary()).toEqual(['GET /webhooks/', 'POST /webhooks/'])
    expect(uploadcare.calls.map((c) => c.auth)).toEqual(['Uploadcare', 'Uploadcare'])
    expect(uploadcare.calls[1]?.form).toEqual({
      target_url: TARGET,
      event: 'file.uploaded',
      is_active: 'true',
      signing_secret: 'whsec-0123456789abcdef0123456789',
      version: '0.7',
    })
    expect(uploadcare.hooks).toEqual([
      expect.objectContaining({ target_url: TARGET, event: 'file.uploaded', signing_secret: inputs().signingSecret }),
    ])
  })

  it('Uploadcare.Simple auth works too', async () => {
    await provider.create(inputs({ auth: 'simple' }))
    expect(uploadcare.calls.map((c) => c.auth)).toEqual(['Uploadcare.Simple', 'Uploadcare.Simple'])
  })

  it('adopts an existing identical subscription without creating a second one', async () => {
    const existing = uploadcare.seed({ target_url: TARGET, event: 'file.uploaded', signing_secret: inputs().signingSecret })
    const res = await provider.create(inputs())
    expect(res.outs?.webhookId).toBe(existing.id)
    expect(summary()).toEqual(['GET /webhooks/'])
    expect(uploadcare.hooks).toHaveLength(1)
  })

  it('adopts an existing subscription with other settings by updating it in place', async () => {
    const existing = uploadcare.seed({ target_url: TARGET, event: 'file.uploaded', is_active: false, signing_secret: 'old' })
    await provider.create(inputs())
    expect(summary()).toEqual(['GET /webhooks/', `PUT /webhooks/${existing.id}/`])
    expect(uploadcare.hooks).toEqual([
      expect.objectContaining({ id: existing.id, is_active: true, signing_secret: inputs().signingSecret }),
    ])
  })

  it('diff: URL, event, version or project replace; activity, secret and keys update in place', async () => {
    const olds = { ...inputs(), webhookId: 1, project: 13 }
    expect(await provider.diff!('x', olds, inputs())).toMatchObject({ changes: false, replaces: [] })
    expect(await provider.diff!('x', olds, inputs({ targetUrl: 'https://b.example.com/hook' }))).toMatchObject({ replaces: ['targetUrl'] })
    expect(await provider.diff!('x', olds, inputs({ event: 'file.stored' }))).toMatchObject({ replaces: ['event'] })
    expect(await provider.diff!('x', olds, inputs({ publicKey: 'other' }))).toMatchObject({ replaces: ['publicKey'] })
    expect(await provider.diff!('x', olds, inputs({ isActive: false }))).toMatchObject({ changes: true, replaces: [] })
    expect(await provider.diff!('x', olds, inputs({ signingSecret: 'new' }))).toMatchObject({ changes: true, replaces: [] })
    expect(await provider.diff!('x', olds, inputs({ secretKey: 'rotated' }))).toMatchObject({ changes: true, replaces: [] })
  })

  it('update PUTs the changed subscription by its current id; nothing to change makes no PUT', async () => {
    const { outs } = await provider.create(inputs())
    uploadcare.calls.length = 0
    await provider.update!('x', outs!, inputs({ isActive: false }))
    expect(summary()).toEqual(['GET /webhooks/', 'PUT /webhooks/1/'])
    expect(uploadcare.hooks[0]?.is_active).toBe(false)
    uploadcare.calls.length = 0
    await provider.update!('x', outs!, inputs({ isActive: false, secretKey: UPLOADCARE_TEST_SECRET_KEY }))
    expect(summary()).toEqual(['GET /webhooks/'])
  })

  it('update of a subscription removed in the dashboard says to refresh', async () => {
    await expect(provider.update!('x', { ...inputs(), webhookId: 9, project: 13 }, inputs({ isActive: false }))).rejects.toThrow(
      /not subscribed any more\)\. Fix: run `pulumi refresh`/,
    )
  })

  it('read follows the dashboard, and reports an unsubscribed webhook as gone', async () => {
    const { outs } = await provider.create(inputs())
    uploadcare.hooks[0]!.is_active = false
    expect((await provider.read!('x', outs!)).props).toMatchObject({ isActive: false, webhookId: 1 })
    uploadcare.hooks.length = 0
    expect((await provider.read!('x', outs!)).id).toBe('')
  })

  it('delete unsubscribes, re-subscribes other events of the same URL the API took with it, and tolerates gone', async () => {
    const secret = inputs().signingSecret
    await provider.create(inputs())
    await provider.create(inputs({ event: 'file.infected' }))
    uploadcare.calls.length = 0
    await provider.delete!('x', { ...inputs(), webhookId: 1, project: 13 })
    expect(summary()).toEqual(['GET /webhooks/', 'DELETE /webhooks/unsubscribe/', 'GET /webhooks/', 'POST /webhooks/'])
    expect(uploadcare.hooks).toEqual([expect.objectContaining({ event: 'file.infected', target_url: TARGET, signing_secret: secret })])

    // An API that honours the event: nothing to restore.
    uploadcare.state.unsubscribeHonoursEvent = true
    await provider.create(inputs())
    uploadcare.calls.length = 0
    await provider.delete!('x', { ...inputs(), webhookId: 3, project: 13 })
    expect(summary()).toEqual(['GET /webhooks/', 'DELETE /webhooks/unsubscribe/', 'GET /webhooks/'])

    uploadcare.calls.length = 0
    await expect(provider.delete!('x', { ...inputs(), webhookId: 3, project: 13 })).resolves.toBeUndefined()
    expect(summary()).toEqual(['GET /webhooks/'])
  })

  it('check names every bad input', async () => {
    const bad = inputs({
      targetUrl: 'http://insecure.example.com',
      event: 'file.exploded' as never,
      version: '0.5',
      signingSecret: 'x'.repeat(33),
      publicKey: '',
    })
    const res = await provider.check!(inputs(), bad)
    expect(res.failures?.map((f) => f.property).sort()).toEqual(['event', 'publicKey', 'signingSecret', 'targetUrl', 'version'])
    expect((await provider.check!(inputs(), inputs())).failures).toEqual([])
  })

  it.each([
    [400, '{"detail":"target_url: Enter a valid URL."}', /Uploadcare rejected the request/],
    [401, '', /uploadcare\.publicKey.*--secret --path upload-webhooks:uploadcare\.secretKey/],
    [403, 'forbidden', /may not manage webhooks/],
    [429, 'throttled', /rate limit/],
    [500, 'oops', /failing on its side/],
    [503, 'unavailable', /failing on its side/],
  ])('HTTP %i becomes an error naming the operation, the status and the fix', async (status, body, fix) => {
    uploadcare.failNext(status, body, 'POST')
    const err = await provider.create(inputs()).catch((e: unknown) => e)
    expect(isUploadcareApiError(err) && err.status).toBe(status)
    const message = (err as Error).message
    expect(message).toMatch(
      new RegExp(`^Uploadcare: subscribe the file.uploaded webhook to ${TARGET} failed \\(POST /webhooks/ answered HTTP ${status}`),
    )
    expect(message).toMatch(fix)
    expect(message).not.toContain(UPLOADCARE_TEST_SECRET_KEY)
  })

  it('wrong keys are a 401 that never shows the secret key', async () => {
    const message = await provider.create(inputs({ secretKey: 'wrong-secret', auth: 'simple' })).catch((e: Error) => e.message)
    expect(message).toMatch(/^Uploadcare: list webhooks before subscribing .* answered HTTP 401.*Fix: set the project’s keys/)
    expect(message).not.toContain('wrong-secret')
  })
})
