// Proves which crypto implementation this project resolved: `core` runs on node:crypto,
// `core-web-crypto` (no `node` condition, as on edge runtimes) on Web Crypto.
import { expect, it } from 'vitest'
import * as active from '#crypto'

it('the #crypto import resolves by export condition', async () => {
  const key = active.importHmacKey(new TextEncoder().encode('k'))
  const onWeb = key instanceof Promise
  expect(process.env.EXPECTED_CRYPTO).toMatch(/^(node|web)$/)
  expect(onWeb).toBe(process.env.EXPECTED_CRYPTO === 'web')
  expect(active.hmacSha256(key, 'x') instanceof Promise).toBe(onWeb)
})
