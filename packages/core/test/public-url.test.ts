import { describe, expect, it } from 'vitest'
import { nodeRequestUrl, requestUrl } from '../src/adapter/public-url.js'

const url = (path: string, headers: Record<string, string> = { host: 'hooks.example' }, trustProxy = false) =>
  requestUrl({ headers, path, encrypted: false, trustProxy })

describe('requestUrl', () => {
  it('collapses leading slashes and backslashes, so a path never names another host', () => {
    expect(url('//evil.example/api')).toBe('http://hooks.example/evil.example/api')
    expect(url('/\\evil.example/api')).toBe('http://hooks.example/evil.example/api')
    expect(url('\\/\\//evil.example')).toBe('http://hooks.example/\\/\\//evil.example')
    expect(new URL(url('//evil.example/api')).host).toBe('hooks.example')
    expect(new URL(url('/\\\\evil.example/api')).host).toBe('hooks.example')
  })

  it('keeps every other path as it came, inner double slashes and query included', () => {
    expect(url('/api/webhooks/upload?x=1')).toBe('http://hooks.example/api/webhooks/upload?x=1')
    expect(url('/a//b')).toBe('http://hooks.example/a//b')
    expect(url('/')).toBe('http://hooks.example/')
    expect(url('relative')).toBe('http://hooks.example/relative')
  })

  it('reads X-Forwarded-Proto and -Host (first hop) only behind a trusted proxy', () => {
    const headers = { host: 'internal:3000', 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'hooks.example, proxy' }
    expect(url('/x', headers, true)).toBe('https://hooks.example/x')
    expect(url('/x', headers, false)).toBe('http://internal:3000/x')
    expect(url('/x', { ...headers, 'x-forwarded-proto': 'javascript' }, true)).toBe('http://hooks.example/x')
  })

  it('asks a trust function only when a forwarded header is there, and honours its answer', () => {
    const asked: string[] = []
    const trust = (answer: boolean) => () => {
      asked.push(String(answer))
      return answer
    }
    const forwarded = { host: 'internal:3000', 'x-forwarded-proto': 'https' }
    expect(requestUrl({ headers: { host: 'internal:3000' }, path: '/x', encrypted: false, trustProxy: trust(true) })).toBe(
      'http://internal:3000/x',
    )
    expect(asked).toEqual([])
    expect(requestUrl({ headers: forwarded, path: '/x', encrypted: false, trustProxy: trust(true) })).toBe('https://internal:3000/x')
    expect(requestUrl({ headers: forwarded, path: '/x', encrypted: false, trustProxy: trust(false) })).toBe('http://internal:3000/x')
    expect(asked).toEqual(['true', 'false'])
  })

  it('falls back to the listening host, then localhost, without a Host header', () => {
    expect(requestUrl({ headers: {}, path: '/x', encrypted: true, fallbackHost: 'fallback:8443', trustProxy: false })).toBe(
      'https://fallback:8443/x',
    )
    expect(requestUrl({ headers: {}, path: '/x', encrypted: false, trustProxy: false })).toBe('http://localhost/x')
  })

  it('takes https from a TLS socket or from the web Request a Node request was made from', () => {
    expect(nodeRequestUrl({ headers: { host: 'h' }, socket: { encrypted: true } }, '/x', false)).toBe('https://h/x')
    expect(nodeRequestUrl({ headers: {}, socket: {} }, '/x', false, 'https://web.example/x')).toBe('https://web.example/x')
  })
})
