// Proves which crypto implementation this project resolved: `core` runs on node:crypto,
// `core-web-crypto` (no `node` condition, as on edge runtimes) on Web Crypto.
import { senders } from '@upload-webhooks/core/testing'
import { expect, it, vi } from 'vitest'
import * as active from '#crypto'

it('the #crypto import resolves by export condition', async () => {
  const key = active.importHmacKey(new TextEncoder().encode('k'))
  const onWeb = key instanceof Promise
  expect(process.env.EXPECTED_CRYPTO).toMatch(/^(node|web)$/)
  expect(onWeb).toBe(process.env.EXPECTED_CRYPTO === 'web')
  expect(active.hmacSha256(key, 'x') instanceof Promise).toBe(onWeb)
})

it.each(senders.map((sender) => [sender.id, sender] as const))(
  '%s: verify() answers without a promise on node:crypto, and with one on Web Crypto',
  async (_id, sender) => {
    const url = 'http://localhost/api/webhooks/upload'
    const body = '{"type":"upload.completed","event":"onUploadComplete"}'
    // The verifier reads its keys from the environment, as an app's does: the sender's dev keys.
    for (const [i, name] of sender.env.entries()) vi.stubEnv(name, sender.devKeys[i]!)
    const headers = await sender.sign({ body, url, deliveryId: 'dlv_1' })
    const verifying = sender
      .verifier()
      .verify({ method: 'POST', url, headers, body: { bytes: new TextEncoder().encode(body), text: body } })
    expect(verifying instanceof Promise).toBe(process.env.EXPECTED_CRYPTO === 'web')
    expect(await verifying).toBeTypeOf('object')
    vi.unstubAllEnvs()
  },
)
