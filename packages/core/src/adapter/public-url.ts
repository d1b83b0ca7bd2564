// The request URL an adapter hands the router, built one way everywhere. Forwarded headers are
// honoured only when the adapter trusts the proxy in front (Express `trust proxy`, `trustProxy`
// for h3 and Next): otherwise any client could name the URL QStash's `sub` is checked against.
// In production the router ignores this URL for that check and uses its configured public URL.
import { getHeader } from '../runtime.js'
import type { HeaderBag } from '../types.js'

export interface RequestUrlParts {
  headers: HeaderBag
  /** Path and query as the server received them. */
  path: string
  /** `https` when the connection itself is TLS. */
  encrypted: boolean
  /** Host of the listening server when the request has no Host header. Default: `localhost`. */
  fallbackHost?: string
  /**
   * Honour `X-Forwarded-Proto` and `X-Forwarded-Host` (the first hop). A function is asked only
   * when one of them is there, so an adapter whose trust costs work (Express's `trust proxy`)
   * pays for it only then.
   */
  trustProxy: boolean | (() => boolean)
}

const firstHop = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined

const SLASH = 0x2f
const BACKSLASH = 0x5c

/**
 * The path with one leading slash: `//host/x` or `/\host/x` would name another authority once
 * joined to ours. The regex runs only when a second slash or backslash is there to collapse.
 */
function onePath(path: string): string {
  if (!path.startsWith('/')) return `/${path}`
  const second = path.charCodeAt(1)
  return second === SLASH || second === BACKSLASH ? path.replace(/^[/\\]+/, '/') : path
}

export function requestUrl(parts: RequestUrlParts): string {
  const { headers, trustProxy } = parts
  // Read once when trust may be given; a trust function is asked only when one of the two is there.
  const protoHeader = trustProxy === false ? undefined : getHeader(headers, 'x-forwarded-proto')
  const hostHeader = trustProxy === false ? undefined : getHeader(headers, 'x-forwarded-host')
  const trusted = (protoHeader !== undefined || hostHeader !== undefined) && (typeof trustProxy === 'function' ? trustProxy() : trustProxy)
  const forwardedProto = trusted ? firstHop(protoHeader) : undefined
  const forwardedHost = trusted ? firstHop(hostHeader) : undefined
  const protocol = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : parts.encrypted ? 'https' : 'http'
  const host = forwardedHost ?? getHeader(headers, 'host') ?? parts.fallbackHost ?? 'localhost'
  return `${protocol}://${host}${onePath(parts.path)}`
}

/** A Node request (Express, h3, Next Pages): its headers, and the socket that says whether it came over TLS. */
export interface NodeUrlSource {
  headers: HeaderBag
  /** A `net.Socket`, or a `tls.TLSSocket` whose `encrypted` is true. */
  socket?: object | null
}

/**
 * The URL of a Node request: `path` as the server received it (the framework says which), TLS
 * from its socket. `wrappedIn` is the URL of the web Request a runtime made this Node request
 * from (h3 v1 under toWebHandler): its scheme counts too, and its host stands in for `Host`.
 */
export function nodeRequestUrl(req: NodeUrlSource, path: string, trustProxy: RequestUrlParts['trustProxy'], wrappedIn?: string): string {
  const web = wrappedIn ? new URL(wrappedIn) : undefined
  const encrypted = (req.socket as { encrypted?: boolean } | null | undefined)?.encrypted === true || web?.protocol === 'https:'
  return requestUrl({ headers: req.headers, path, encrypted, fallbackHost: web?.host, trustProxy })
}

/** The URL of a web `Request` (Next App Router, h3 v2 off Node): its path and scheme, its host when `Host` is absent. */
export function webRequestUrl(request: { url: string; headers: HeaderBag }, trustProxy: boolean): string {
  const { pathname, search, protocol, host } = new URL(request.url)
  return requestUrl({ headers: request.headers, path: pathname + search, encrypted: protocol === 'https:', fallbackHost: host, trustProxy })
}
