import { createRequire } from 'node:module'
import vm from 'node:vm'
import * as pulumi from '@pulumi/pulumi'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { signingKeysProvider } from '../src/qstash/signing-keys-provider.js'
import { urlGroupProvider } from '../src/qstash/url-group-provider.js'
import { createFakeQStash, QSTASH_TEST_TOKEN, QSTASH_TEST_URL } from './support/fake-qstash.js'

const qstash = createFakeQStash()
const server = setupServer(...qstash.handlers)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => qstash.reset())
afterAll(() => server.close())

/** Serialises a provider the way pulumi.dynamic.Resource does, and loads it back in a fresh context. */
async function roundTrip<T>(provider: T): Promise<{ provider: T; text: string }> {
  const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })
  const module = { exports: {} as { handler: () => T } }
  const load = vm.runInThisContext(`(function (exports, module, require) {\n${text}\n})`) as (
    e: unknown,
    m: unknown,
    r: NodeJS.Require,
  ) => void
  load(module.exports, module, createRequire(import.meta.url))
  return { provider: module.exports.handler(), text }
}

describe('dynamic providers survive serialisation', () => {
  it('the URL group provider runs from its serialised text alone', async () => {
    const { provider, text } = await roundTrip(urlGroupProvider)
    expect(text).not.toMatch(/require\("[^"]*(vitest|msw)/)
    await provider.create({ name: 'g', baseUrl: QSTASH_TEST_URL, token: QSTASH_TEST_TOKEN, endpoints: [{ url: 'https://a.example.com' }] })
    expect(qstash.topics.get('g')).toEqual([{ name: '', url: 'https://a.example.com' }])
  })

  it('the signing keys provider runs from its serialised text alone', async () => {
    const { provider } = await roundTrip(signingKeysProvider)
    const res = await provider.create({ baseUrl: QSTASH_TEST_URL, token: QSTASH_TEST_TOKEN, rotate: '' })
    expect(res.outs).toMatchObject({ current: 'sig_current_1', next: 'sig_next_1' })
  })
})
