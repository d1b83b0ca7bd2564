import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LocalQStash } from '../local/qstash.js'
import { QStashSigningKeys } from '../src/qstash-signing-keys.js'
import { QStashUrlGroup } from '../src/qstash-url-group.js'
import { UploadcareWebhooks } from '../src/uploadcare-webhooks.js'
import {
  createFakeUploadcare,
  UPLOADCARE_TEST_PUBLIC_KEY,
  UPLOADCARE_TEST_SECRET_KEY,
  UPLOADCARE_TEST_URL,
} from './support/fake-uploadcare.js'
import { type HandlerServer, serveHandlers } from './support/handler-server.js'
import { type HostedProvider, hostProvider } from './support/provider-host.js'
import { installMocks, ofType, outputValue } from './support/pulumi-mocks.js'

// The providers as `pulumi up` runs them: the `__provider` text each dynamic resource registers
// (Pulumi's closure serialiser at work), loaded from that text alone in a separate provider-host
// process, talking HTTP to local servers shaped like QStash and Uploadcare.

/** Registers the components under the mocks and returns the `__provider` text of each dynamic resource type. */
async function registeredProviderTexts(): Promise<Record<'urlGroup' | 'signingKeys' | 'uploadcare', string>> {
  const recorded = installMocks()
  const group = new QStashUrlGroup('g', { token: 'component-token', endpoints: ['https://a.example.com/hook'] })
  const keys = new QStashSigningKeys('k', { token: 'component-token' })
  const uploadcare = new UploadcareWebhooks('uc', {
    publicKey: 'pub',
    secretKey: 'component-secret-key',
    targetUrl: 'https://a.example.com/hook',
  })
  await Promise.all([group.group, keys.keys, ...uploadcare.subscriptions].map((r) => outputValue(r.urn)))
  const text = (type: string) => {
    const provider = ofType(recorded, `pulumi-nodejs:dynamic/${type}`)[0]?.inputs.__provider
    expect(typeof provider, `${type} registered a __provider`).toBe('string')
    expect(provider).not.toMatch(/component-token|component-secret-key/)
    return provider as string
  }
  return { urlGroup: text('qstash:UrlGroup'), signingKeys: text('qstash:SigningKeys'), uploadcare: text('uploadcare:Webhook') }
}

const QSTASH_TEST_TOKEN = 'qstash-test-token'
const qstash = new LocalQStash({ token: QSTASH_TEST_TOKEN, signingKeys: { current: 'sig_current_1', next: 'sig_next_1' }, deliver: false })
const uploadcare = createFakeUploadcare()
let qstashUrl: string
let uploadcareServer: HandlerServer
let urlGroupText: string
let urlGroup: HostedProvider
let signingKeys: HostedProvider
let uploadcareText: string
let webhooks: HostedProvider
beforeAll(async () => {
  qstashUrl = await qstash.listen()
  uploadcareServer = await serveHandlers(uploadcare.handlers, UPLOADCARE_TEST_URL)
  const texts = await registeredProviderTexts()
  urlGroupText = texts.urlGroup
  uploadcareText = texts.uploadcare
  urlGroup = hostProvider(urlGroupText)
  signingKeys = hostProvider(texts.signingKeys)
  webhooks = hostProvider(uploadcareText)
})
afterEach(() => {
  qstash.reset()
  uploadcare.reset()
})
afterAll(async () => {
  for (const host of [urlGroup, signingKeys, webhooks]) host?.close()
  await qstash.close()
  await uploadcareServer?.close()
})

const group = (over: Record<string, unknown> = {}) => ({
  name: 'uploads',
  baseUrl: qstashUrl,
  token: QSTASH_TEST_TOKEN,
  endpoints: [{ name: 'app', url: 'https://app.example.com/hook' }],
  ...over,
})

/** A 127.0.0.1 URL where nothing listens: the port was just freed. */
async function deadUrl(): Promise<string> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  await new Promise((resolve) => s.close(resolve))
  return `http://127.0.0.1:${port}`
}

describe('the serialised URL group provider, in a provider host', () => {
  it('captures neither the test tooling nor a token', () => {
    expect(urlGroupText).not.toMatch(/require\("[^"]*(vitest|msw)/)
    expect(urlGroupText).not.toContain(QSTASH_TEST_TOKEN)
  })

  it('runs check, create, diff, update (a rename), read and delete', async () => {
    const checked = await urlGroup.call<{ inputs: ReturnType<typeof group>; failures: unknown[] }>('check', {}, group())
    expect(checked.failures).toEqual([])
    const created = await urlGroup.call<{ id: string }>('create', checked.inputs)
    expect(created.id).toBe('uploads')
    expect(qstash.topics.get('uploads')).toEqual([{ name: 'app', url: 'https://app.example.com/hook' }])

    const renamed = group({ endpoints: [{ name: 'app-v2', url: 'https://app.example.com/hook' }] })
    expect(await urlGroup.call('diff', 'uploads', group(), renamed)).toMatchObject({ changes: true, replaces: [] })
    await urlGroup.call('update', 'uploads', group(), renamed)
    expect(qstash.topics.get('uploads')).toEqual([{ name: 'app-v2', url: 'https://app.example.com/hook' }])
    expect(await urlGroup.call('read', 'uploads', renamed)).toMatchObject({ id: 'uploads', props: { endpoints: renamed.endpoints } })

    await urlGroup.call('delete', 'uploads', renamed)
    expect(qstash.topics.has('uploads')).toBe(false)
    expect(await urlGroup.call('read', 'uploads', renamed)).toMatchObject({ id: '' })
  })

  it.each([
    [401, 'invalid token', /qstashToken.*qstashRegion/],
    [403, 'forbidden', /token may not do this/],
    [429, 'too many requests', /rate limit.*pulumi up/],
    [500, 'internal error', /failing on its side.*pulumi up/],
    [503, 'unavailable', /failing on its side/],
  ])('HTTP %i reaches the CLI as a message naming the operation, the status and the fix', async (status, body, fix) => {
    qstash.failNext(status, body)
    const message = await urlGroup.call('create', group()).then(
      () => 'resolved',
      (e: Error) => e.message,
    )
    expect(message).toMatch(
      new RegExp(
        `^QStash: create URL group "uploads" failed \\(POST /v2/topics/uploads/endpoints answered HTTP ${status}: ${body}\\)\\. Fix: `,
      ),
    )
    expect(message).toMatch(fix)
  })

  it('a wrong token is a 401 naming the token config, and never shows the token', async () => {
    const message = await urlGroup.call('create', group({ token: 'wrong-token' })).catch((e: Error) => e.message)
    expect(message).toMatch(/HTTP 401.*Fix: set the QStash token/)
    expect(message).not.toContain('wrong-token')
  })

  it('a 404 while removing endpoints (group deleted meanwhile) names the fix', async () => {
    const two = group({ endpoints: [{ url: 'https://a.example.com/hook' }, { url: 'https://b.example.com/hook' }] })
    await expect(urlGroup.call('update', 'uploads', two, group({ endpoints: [{ url: 'https://a.example.com/hook' }] }))).rejects.toThrow(
      /^QStash: remove endpoints from URL group "uploads" failed \(DELETE .* answered HTTP 404.*\)\. Fix: .*pulumi refresh/,
    )
  })

  it('an unreachable QStash is a network error naming the address and the fix', async () => {
    const url = await deadUrl()
    await expect(urlGroup.call('delete', 'uploads', group({ baseUrl: url }))).rejects.toThrow(
      new RegExp(
        `^QStash: delete URL group "uploads" failed \\(DELETE ${url}/v2/topics/uploads got no answer: .+\\)\\. Fix: check the network`,
      ),
    )
  })
})

describe('the serialised signing keys provider, in a provider host', () => {
  const keys = (over: Record<string, unknown> = {}) => ({ baseUrl: qstashUrl, token: QSTASH_TEST_TOKEN, rotate: '', ...over })

  it('runs create, diff, update (a rotation) and delete', async () => {
    const created = await signingKeys.call<{ outs: Record<string, string> }>('create', keys())
    expect(created.outs).toMatchObject({ current: 'sig_current_1', next: 'sig_next_1' })
    expect(await signingKeys.call('diff', 'k', created.outs, keys({ rotate: 'r1' }))).toMatchObject({ changes: true, replaces: [] })
    const updated = await signingKeys.call<{ outs: Record<string, string> }>('update', 'k', created.outs, keys({ rotate: 'r1' }))
    expect(updated.outs).toMatchObject({ current: 'sig_next_1', next: 'sig_next_2' })
    await signingKeys.call('delete', 'k', updated.outs)
    expect(qstash.rotations).toBe(1)
  })

  it('failures reach the CLI with the operation, the status and the fix', async () => {
    await expect(signingKeys.call('create', keys({ token: 'nope' }))).rejects.toThrow(
      /^QStash: read signing keys failed \(GET \/v2\/keys answered HTTP 401: .*\)\. Fix: set the QStash token/,
    )
    qstash.failNext(502, 'bad gateway', 'POST')
    await expect(signingKeys.call('update', 'k', { ...keys(), current: 'c', next: 'n' }, keys({ rotate: 'r2' }))).rejects.toThrow(
      /^QStash: rotate signing keys failed \(POST \/v2\/keys\/rotate answered HTTP 502: bad gateway\)\. Fix: QStash is failing/,
    )
    qstash.failNext(200, '{}')
    await expect(signingKeys.call('create', keys())).rejects.toThrow(/^QStash: reading signing keys failed .*Fix: /)
  })
})

describe('the serialised Uploadcare webhook provider, in a provider host', () => {
  const TARGET = 'https://app.example.com/api/webhooks/upload'
  const hook = (over: Record<string, unknown> = {}) => ({
    baseUrl: uploadcareServer.url,
    publicKey: UPLOADCARE_TEST_PUBLIC_KEY,
    secretKey: UPLOADCARE_TEST_SECRET_KEY,
    auth: 'signed',
    targetUrl: TARGET,
    event: 'file.uploaded',
    isActive: true,
    version: '0.7',
    signingSecret: 'whsec-0123456789abcdef',
    ...over,
  })

  it('captures neither the test tooling nor a key, and needs only node:crypto', () => {
    expect(uploadcareText).not.toMatch(/require\("[^"]*(vitest|msw)/)
    expect(uploadcareText).not.toContain(UPLOADCARE_TEST_SECRET_KEY)
    expect([...uploadcareText.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(expect.arrayContaining(['crypto']))
  })

  it('runs check, create (signed), diff, update, read and delete', async () => {
    const checked = await webhooks.call<{ inputs: ReturnType<typeof hook>; failures: unknown[] }>('check', {}, hook())
    expect(checked.failures).toEqual([])
    const created = await webhooks.call<{ id: string; outs: Record<string, unknown> }>('create', checked.inputs)
    expect(created.id).toBe(`file.uploaded ${TARGET}`)
    expect(uploadcare.hooks).toEqual([expect.objectContaining({ target_url: TARGET, event: 'file.uploaded', is_active: true })])

    const paused = hook({ isActive: false })
    expect(await webhooks.call('diff', created.id, created.outs, paused)).toMatchObject({ changes: true, replaces: [] })
    const updated = await webhooks.call<{ outs: Record<string, unknown> }>('update', created.id, created.outs, paused)
    expect(uploadcare.hooks[0]?.is_active).toBe(false)
    expect(await webhooks.call('read', created.id, updated.outs)).toMatchObject({ id: created.id, props: { isActive: false } })

    await webhooks.call('delete', created.id, updated.outs)
    expect(uploadcare.hooks).toEqual([])
  })

  it.each([
    [401, /Fix: set the project’s keys/],
    [403, /may not manage webhooks/],
    [429, /rate limit/],
    [500, /failing on its side/],
  ])('HTTP %i reaches the CLI as a message naming the operation, the status and the fix', async (status, fix) => {
    uploadcare.failNext(status, 'nope')
    const message = await webhooks.call('create', hook()).catch((e: Error) => e.message)
    expect(message).toMatch(
      new RegExp(
        `^Uploadcare: list webhooks before subscribing the file.uploaded webhook to ${TARGET} failed \\(GET /webhooks/ answered HTTP ${status}: nope\\)\\. Fix: `,
      ),
    )
    expect(message).toMatch(fix)
  })

  it('an unreachable API is a network error naming the address and the fix', async () => {
    const url = await deadUrl()
    await expect(webhooks.call('delete', 'x', hook({ baseUrl: url }))).rejects.toThrow(
      new RegExp(
        `^Uploadcare: list webhooks before unsubscribing .* failed \\(GET ${url}/webhooks/ got no answer: .+\\)\\. Fix: check the network`,
      ),
    )
  })
})
