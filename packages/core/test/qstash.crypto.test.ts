import { createHash } from 'node:crypto'
import { type HeaderBag, qstash, WebhookConfigError } from '@upload-webhooks/core'
import { signQStash } from '@upload-webhooks/core/testing'
import { Receiver } from '@upstash/qstash'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fixtureText, UPLOADKIT } from './fixtures.js'
import { outcomeOf } from './verify-outcome.js'

const keys = { currentSigningKey: 'sig_current_test_key', nextSigningKey: 'sig_next_test_key' }
const url = 'https://app.example.com/api/webhooks/upload'
const body = fixtureText(UPLOADKIT)
const bytes = new TextEncoder().encode(body)
const input = (headers: HeaderBag, payload = bytes, at = url) => ({
  method: 'POST',
  url: at,
  headers,
  body: { bytes: payload, text: new TextDecoder().decode(payload) },
})

/** A token minted with jose, independently of our signer. */
async function joseToken(claims: Record<string, unknown>, key = keys.currentSigningKey, alg = 'HS256') {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ body: createHash('sha256').update(bytes).digest('base64url'), ...claims })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setIssuer('Upstash')
    .setSubject(url)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .sign(new TextEncoder().encode(key))
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllEnvs()
})

describe('qstash()', () => {
  const verifier = qstash({ ...keys })

  it('accepts a delivery signed by signQStash, and @upstash/qstash Receiver accepts the same one', async () => {
    const headers = await signQStash({ body, url, signingKey: keys.currentSigningKey, messageId: 'msg_1', retried: 2 })
    expect(await verifier.verify(input(headers))).toMatchObject({ deliveryId: 'msg_1', attempt: 2 })
    await expect(new Receiver(keys).verify({ signature: headers['upstash-signature']!, body, url })).resolves.toBe(true)
  })

  it('accepts a token minted by jose (HS256, base64url body hash)', async () => {
    const token = await joseToken({})
    expect(await outcomeOf(() => verifier.verify(input({ 'upstash-signature': token, 'upstash-message-id': 'm' })))).toBe('accepted')
  })

  it('reads the body hash as Upstash Receiver does: base64url, padded or not, and nothing else', async () => {
    const hash = createHash('sha256').update(bytes)
    const base64 = hash.copy().digest('base64')
    const padded = `${hash.digest('base64url')}=`
    const outcome = async (claimed: string) => {
      const token = await joseToken({ body: claimed })
      return outcomeOf(() => verifier.verify(input({ 'upstash-signature': token, 'upstash-message-id': 'm' })))
    }
    expect(await outcome(padded)).toBe('accepted')
    await expect(new Receiver(keys).verify({ signature: await joseToken({ body: padded }), body, url })).resolves.toBe(true)
    // Standard base64 (`+`, `/`) is another text: refused, as Receiver refuses it.
    expect(base64).toMatch(/[+/]/)
    expect(await outcome(base64)).toBe('401 body_hash_mismatch')
    expect(await outcome(padded.slice(1))).toBe('401 body_hash_mismatch')
  })

  it('accepts the next key (rotation) and refuses any other key', async () => {
    const next = await signQStash({ body, url, signingKey: keys.nextSigningKey })
    expect(await outcomeOf(() => verifier.verify(input(next)))).toBe('accepted')
    const other = await signQStash({ body, url, signingKey: 'sig_someone_else' })
    expect(await outcomeOf(() => verifier.verify(input(other)))).toBe('401 invalid_signature')
  })

  it('refuses a tampered body with body_hash_mismatch (signature itself is intact)', async () => {
    const headers = await signQStash({ body, url, signingKey: keys.currentSigningKey })
    const tampered = new TextEncoder().encode(body.replace('photo.jpg', 'photo.exe'))
    expect(await outcomeOf(() => verifier.verify(input(headers, tampered)))).toBe('401 body_hash_mismatch')
  })

  it('refuses missing, truncated and non-JWT signatures', async () => {
    const { 'upstash-signature': token } = await signQStash({ body, url, signingKey: keys.currentSigningKey })
    expect(await outcomeOf(() => verifier.verify(input({ 'upstash-message-id': 'm' })))).toBe('401 missing_signature')
    expect(await outcomeOf(() => verifier.verify(input({ 'upstash-signature': token!.slice(0, -4), 'upstash-message-id': 'm' })))).toBe(
      '401 malformed_signature',
    )
    expect(await outcomeOf(() => verifier.verify(input({ 'upstash-signature': 'not-a-jwt', 'upstash-message-id': 'm' })))).toBe(
      '401 malformed_signature',
    )
    expect(await outcomeOf(() => verifier.verify(input({ 'upstash-signature': `${token}.extra`, 'upstash-message-id': 'm' })))).toBe(
      '401 malformed_signature',
    )
  })

  it('compares the signature part as its canonical text: padding is ignored, another spelling of the same bytes is refused', async () => {
    const { 'upstash-signature': token, ...rest } = await signQStash({ body, url, signingKey: keys.currentSigningKey })
    const signature = token!.slice(token!.lastIndexOf('.') + 1)
    const withSignature = (part: string) =>
      input({ ...rest, 'upstash-signature': `${token!.slice(0, token!.lastIndexOf('.') + 1)}${part}` })
    expect(await outcomeOf(() => verifier.verify(withSignature(`${signature}=`)))).toBe('accepted')
    // The last of 43 characters carries 2 bits of the MAC and 4 zero bits: setting one of those
    // spells the same 32 bytes differently. A lenient decoder accepts it; a replay under a new
    // spelling must not pass as a new token.
    const last = signature.charCodeAt(42)
    const respelled = `${signature.slice(0, 42)}${String.fromCharCode(last + 1)}`
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true)
    expect(await outcomeOf(() => verifier.verify(withSignature(respelled)))).toBe('401 invalid_signature')
    expect(await outcomeOf(() => verifier.verify(withSignature(`${signature.slice(0, 42)}+`)))).toBe('401 malformed_signature')
    expect(await outcomeOf(() => verifier.verify(withSignature(`${signature}A`)))).toBe('401 malformed_signature')
  })

  it('refuses alg:none and other algorithms before trying a key', async () => {
    const claims = Buffer.from(JSON.stringify({ iss: 'Upstash', sub: url, exp: 9e9, body: 'x' })).toString('base64url')
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${claims}.`
    expect(await outcomeOf(() => verifier.verify(input({ 'upstash-signature': none, 'upstash-message-id': 'm' })))).toBe(
      '401 malformed_signature',
    )
    const hs512 = await joseToken({}, keys.currentSigningKey, 'HS512')
    expect(await outcomeOf(() => verifier.verify(input({ 'upstash-signature': hs512, 'upstash-message-id': 'm' })))).toBe(
      '401 malformed_signature',
    )
  })

  it('refuses expired and not-yet-valid tokens outside the clock tolerance', async () => {
    const signedAt = 1_800_000_000
    const headers = await signQStash({ body, url, signingKey: keys.currentSigningKey, now: signedAt, expiresInSeconds: 300 })
    vi.useFakeTimers({ now: (signedAt + 300 + 10) * 1000 }) // exactly at the tolerance edge
    expect(await outcomeOf(() => verifier.verify(input(headers)))).toBe('accepted')
    vi.setSystemTime((signedAt + 300 + 11) * 1000)
    expect(await outcomeOf(() => verifier.verify(input(headers)))).toBe('401 signature_expired')
    vi.setSystemTime((signedAt - 11) * 1000)
    expect(await outcomeOf(() => verifier.verify(input(headers)))).toBe('401 signature_not_yet_valid')
  })

  it('refuses a token from another issuer', async () => {
    const token = await new SignJWT({ body: createHash('sha256').update(bytes).digest('base64url') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('Mallory')
      .setSubject(url)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(keys.currentSigningKey))
    expect(await outcomeOf(() => verifier.verify(input({ 'upstash-signature': token, 'upstash-message-id': 'm' })))).toBe(
      '401 wrong_issuer',
    )
  })

  it('checks sub against the request URL by default (a bare path fails), a fixed url when given, and never when url is false', async () => {
    const headers = await signQStash({ body, url: 'https://other.example.com/hook', signingKey: keys.currentSigningKey })
    expect(await outcomeOf(() => verifier.verify(input(headers)))).toBe('401 wrong_url')
    // A bare path never skips the check: the router's URL policy must supply an absolute URL.
    expect(await outcomeOf(() => verifier.verify(input(headers, bytes, '/api/webhooks/upload')))).toBe('401 wrong_url')
    expect(await outcomeOf(() => qstash({ ...keys, url: 'https://other.example.com/hook' }).verify(input(headers)))).toBe('accepted')
    expect(await outcomeOf(() => qstash({ ...keys, url: false }).verify(input(headers)))).toBe('accepted')
    const sameUrlOtherSpelling = await signQStash({
      body,
      url: 'https://APP.example.com:443/api/webhooks/upload',
      signingKey: keys.currentSigningKey,
    })
    expect(await outcomeOf(() => verifier.verify(input(sameUrlOtherSpelling)))).toBe('accepted')
  })

  it('answers 400 when the message ID header is missing', async () => {
    const { 'upstash-message-id': _, ...headers } = await signQStash({ body, url, signingKey: keys.currentSigningKey })
    expect(await outcomeOf(() => verifier.verify(input(headers)))).toBe('400 missing_delivery_id')
  })

  it('reads keys from the environment and fails at construction, naming the variables, when they are missing', () => {
    vi.stubEnv('QSTASH_CURRENT_SIGNING_KEY', 'a')
    vi.stubEnv('QSTASH_NEXT_SIGNING_KEY', 'b')
    expect(qstash().name).toBe('qstash')
    vi.stubEnv('QSTASH_NEXT_SIGNING_KEY', '')
    expect(() => qstash()).toThrow(WebhookConfigError)
    expect(() => qstash()).toThrow(/QSTASH_NEXT_SIGNING_KEY/)
  })

  it('matches only requests that carry Upstash-Signature', () => {
    expect(verifier.matches({ 'upstash-signature': 'x' })).toBe(true)
    expect(verifier.matches(new Headers({ 'Upstash-Signature': 'x' }))).toBe(true)
    expect(verifier.matches({ 'x-uc-signature': 'x' })).toBe(false)
  })
})
