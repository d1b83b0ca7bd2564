import { getHeader, type HeaderBag } from '@upload-webhooks/core'

const first = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined

/**
 * The URL the sender addressed, as Next's server and Vercel describe it: `X-Forwarded-Proto` /
 * `X-Forwarded-Host`, else `Host`. (`request.url` under `next start` always says localhost.)
 * Pass the `url` option to pin it, which is also what makes QStash's `sub` check stop replays
 * between your own endpoints.
 */
export function addressedUrl(headers: HeaderBag, pathAndQuery: string, fallback: { protocol: string; host: string }): string {
  const protocol = first(getHeader(headers, 'x-forwarded-proto')) ?? fallback.protocol
  const host = first(getHeader(headers, 'x-forwarded-host')) ?? getHeader(headers, 'host') ?? fallback.host
  return `${protocol}://${host}${pathAndQuery}`
}
