// Proves which crypto implementation this project resolved: `core` runs on node:crypto,
// `core-web-crypto` (no `node` condition, as on edge runtimes) on Web Crypto.
import { qstash } from '@upload-webhooks/core'
import { signQStash } from '@upload-webhooks/core/testing'
import { expect, it } from 'vitest'
import * as active from '#crypto'

it('the #crypto import resolves by export condition', async () => {
  const key = active.importHmacKey(new TextEncoder().encode('k'))
  const onWeb = key instanceof Promise
  expect(process.env.EXPECTED_CRYPTO).toMatch(/^(node|web)$/)
  expect(onWeb).toBe(process.env.EXPECTED_CRYPTO === 'web')
  expect(active.hmacSha256(key, 'x') instanceof Promise).toBe(onWeb)
})

it('qstash().verify() answers without a promise on node:crypto, and with one on Web Crypto', async () => {
  const keys = { currentSigningKey: 'sig_current', nextSigningKey: 'sig_next' }
  const url = 'https://app.example.com/hook'
  const body = '{"event":"onUploadComplete"}'
  const headers = await signQStash({ body, url, signingKey: keys.currentSigningKey, messageId: 'msg_1' })
  const verifying = qstash(keys).verify({ method: 'POST', url, headers, body: { bytes: new TextEncoder().encode(body), text: body } })
  expect(verifying instanceof Promise).toBe(process.env.EXPECTED_CRYPTO === 'web')
  expect(await verifying).toMatchObject({ deliveryId: 'msg_1' })
})
