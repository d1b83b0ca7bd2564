// Both crypto implementations must agree with each other and with node:crypto on any input.

import { createHash, createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as nodeImpl from '../src/crypto/node.js'
import * as webImpl from '../src/crypto/web.js'
import { fromBase64, fromHex, toBase64, toHex } from '../src/runtime.js'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('crypto implementations (node:crypto and Web Crypto)', () => {
  it('compute the same HMAC-SHA256 of prefix + data as node:crypto, for any key and input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.string(),
        fc.uint8Array({ maxLength: 300 }),
        async (key, prefix, data) => {
          const expected = createHmac('sha256', key).update(prefix).update(data).digest('hex')
          expect(hex(nodeImpl.hmacSha256(nodeImpl.importHmacKey(key), prefix, data))).toBe(expected)
          expect(hex(await webImpl.hmacSha256(webImpl.importHmacKey(key), prefix, data))).toBe(expected)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('encode the same HMAC-SHA256 as node:crypto as hex and as unpadded base64url, for any key and input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.constantFrom('hex' as const, 'base64url' as const),
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }),
        async (key, encoding, prefix, data) => {
          const expected = createHmac('sha256', key)
            .update(prefix)
            .update(data ?? new Uint8Array(0))
            .digest(encoding)
          expect(nodeImpl.hmacSha256Text(nodeImpl.importHmacKey(key), encoding, prefix, data)).toBe(expected)
          expect(await webImpl.hmacSha256Text(webImpl.importHmacKey(key), encoding, prefix, data)).toBe(expected)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('compute the same SHA-256 as node:crypto, as bytes and as unpadded base64url, and the same hex', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), async (data) => {
        const expected = createHash('sha256').update(data).digest('hex')
        expect(hex(nodeImpl.sha256(data))).toBe(expected)
        expect(hex(await webImpl.sha256(data))).toBe(expected)
        const base64Url = Buffer.from(expected, 'hex').toString('base64url')
        expect(nodeImpl.sha256Base64Url(data)).toBe(base64Url)
        expect(await webImpl.sha256Base64Url(data)).toBe(base64Url)
        // hex of a view into a larger buffer: the node path must read only the view's bytes.
        const view = new Uint8Array([7, ...data, 9]).subarray(1, data.length + 1)
        expect(nodeImpl.hex(view)).toBe(hex(data))
        expect(webImpl.hex(view)).toBe(hex(data))
      }),
      { numRuns: 300 },
    )
  })

  it('decode base64url segments to the same UTF-8 text, short ones and ones past the node scratch space', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ minLength: 1500, maxLength: 2500 })), (text) => {
        const segment = Buffer.from(text).toString('base64url')
        expect(nodeImpl.base64UrlText(segment)).toBe(text)
        expect(webImpl.base64UrlText(segment)).toBe(text)
      }),
      { numRuns: 300 },
    )
    // Each call returns its own text: the node path's reused buffer never shows through.
    const first = nodeImpl.base64UrlText(Buffer.from('{"a":1}').toString('base64url'))
    nodeImpl.base64UrlText(Buffer.from('{"b":2}').toString('base64url'))
    expect(first).toBe('{"a":1}')
  })

  it('compare in constant time and never equate different lengths or contents', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const same = Buffer.from(a).equals(Buffer.from(b))
        expect(nodeImpl.timingSafeEqual(a, b)).toBe(same)
        expect(webImpl.timingSafeEqual(a, b)).toBe(same)
        expect(nodeImpl.timingSafeEqual(a, Uint8Array.from(a))).toBe(true)
        expect(webImpl.timingSafeEqual(a, Uint8Array.from(a))).toBe(true)
      }),
      { numRuns: 500 },
    )
  })
})

describe('encodings', () => {
  it('base64, base64url and hex round-trip and match Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const buffer = Buffer.from(bytes)
        expect(toBase64(bytes)).toBe(buffer.toString('base64'))
        expect(toBase64(bytes, true)).toBe(buffer.toString('base64url'))
        expect(toHex(bytes)).toBe(buffer.toString('hex'))
        expect(hex(fromBase64(buffer.toString('base64'))!)).toBe(buffer.toString('hex'))
        expect(hex(fromBase64(buffer.toString('base64url'))!)).toBe(buffer.toString('hex'))
        expect(hex(fromHex(buffer.toString('hex').toUpperCase())!)).toBe(buffer.toString('hex'))
      }),
      { numRuns: 500 },
    )
  })

  it('refuse text outside the alphabet or of impossible length rather than half-decoding it', () => {
    for (const bad of ['ab$d', 'abcde', 'a===', 'ab==c', 'é']) expect(fromBase64(bad), bad).toBeUndefined()
    for (const bad of ['abc', 'zz', '0x12']) expect(fromHex(bad), bad).toBeUndefined()
  })
})
