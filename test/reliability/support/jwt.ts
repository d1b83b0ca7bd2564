// Hand-made QStash-style JWTs for the hostile corpus: any header, any claims, any HMAC or none.
import { createHash, createHmac } from 'node:crypto'

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url')

export interface CraftOptions {
  header?: Record<string, unknown>
  claims: Record<string, unknown>
  /** Key to HMAC with; `undefined` leaves the signature part empty (`alg: none` style). */
  key?: string
  /** HMAC digest. Default: sha256. */
  digest?: 'sha256' | 'sha384' | 'sha512'
}

export function craftJwt(options: CraftOptions): string {
  const input = `${b64url(JSON.stringify(options.header ?? { alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(options.claims))}`
  if (options.key === undefined) return `${input}.`
  return `${input}.${createHmac(options.digest ?? 'sha256', options.key)
    .update(input)
    .digest('base64url')}`
}

/** The claims QStash signs for `body` delivered to `url` at `now`. */
export function qstashClaims(
  body: string | Uint8Array,
  url: string,
  now: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: 'Upstash',
    sub: url,
    exp: now + 300,
    nbf: now,
    iat: now,
    jti: `jwt_${Math.random().toString(36).slice(2)}`,
    body: createHash('sha256').update(body).digest('base64url'),
    ...overrides,
  }
}
