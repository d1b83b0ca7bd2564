// The request URL an adapter hands the router, built one way everywhere. Forwarded headers are
// honoured only when the adapter trusts the proxy in front (Express `trust proxy`, `trustProxy`
// for h3 and Next): otherwise any client could name the URL QStash's `sub` is checked against.
// In production the router ignores this URL for that check and uses its configured public URL.
import { getHeader } from '../headers.js'
import type { HeaderBag } from '../types.js'

export interface RequestUrlParts {
  headers: HeaderBag
  /** Path and query as the server received them. */
  path: string
  /** `https` when the connection itself is TLS. */
  encrypted: boolean
  /** Host of the listening server when the request has no Host header. Default: `localhost`. */
  fallbackHost?: string
  /** Honour `X-Forwarded-Proto` and `X-Forwarded-Host` (the first hop). */
  trustProxy: boolean
}

const firstHop = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined

export function requestUrl(parts: RequestUrlParts): string {
  const { headers } = parts
  const forwardedProto = parts.trustProxy ? firstHop(getHeader(headers, 'x-forwarded-proto')) : undefined
  const forwardedHost = parts.trustProxy ? firstHop(getHeader(headers, 'x-forwarded-host')) : undefined
  const protocol = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : parts.encrypted ? 'https' : 'http'
  const host = forwardedHost ?? getHeader(headers, 'host') ?? parts.fallbackHost ?? 'localhost'
  const path = parts.path.startsWith('/') ? parts.path.replace(/^[/\\]+/, '/') : `/${parts.path}`
  return `${protocol}://${host}${path}`
}
