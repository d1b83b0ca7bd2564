// Turns an endpoint's answer into the broken layer and the fix, for `doctor` and failed `send`s.
import type { Answer } from './delivery.js'
import type { Sender } from './senders.js'

export interface Diagnosis {
  /** Which layer is broken: network, tls, routing, body, url, keys, clock, store, handler, server. */
  layer: string
  problem: string
  fix: string
}

export interface DiagnoseContext {
  url: string
  sender: Sender
  /** e.g. `QSTASH_CURRENT_SIGNING_KEY sha256:1a2b...`: what the request was signed with. */
  keyLine: string
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$)/

function network(answer: Answer, ctx: DiagnoseContext): Diagnosis {
  const { code, message } = answer.networkError!
  const host = new URL(ctx.url).host
  if (code === 'TIMEOUT') {
    return {
      layer: 'network',
      problem: `${host} did not answer in time`,
      fix: 'check the server is up and reachable from here (firewall, tunnel), or raise --timeout',
    }
  }
  if (TLS_CODES.test(code)) {
    return {
      layer: 'tls',
      problem: `TLS handshake with ${host} failed (${code}: ${message})`,
      fix: 'serve a valid certificate for this host (senders reject invalid ones), or use http:// for a local server',
    }
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      layer: 'network',
      problem: `${new URL(ctx.url).hostname} does not resolve (${code})`,
      fix: 'check the host name in the URL (and your tunnel, if any)',
    }
  }
  return {
    layer: 'network',
    problem: `cannot reach ${host} (${code}: ${message})`,
    fix: 'start the server, or check the host and port in the URL',
  }
}

const refusals: Record<string, (answer: Answer, ctx: DiagnoseContext) => Omit<Diagnosis, 'problem'> & { problem?: string }> = {
  wrong_url: (_a, ctx) => ({
    layer: 'url',
    problem: `the endpoint checks signatures against a URL other than ${ctx.url}`,
    fix: `set the router's \`url\` option (WEBHOOK_PUBLIC_URL in the examples) to exactly ${ctx.url}, or turn on your framework's trust-proxy setting behind a proxy`,
  }),
  invalid_signature: (_a, ctx) => ({
    layer: 'keys',
    problem: 'the endpoint has different signing keys',
    fix: `signed with ${ctx.keyLine}; compare it with the server's ${ctx.sender.env.join('/')} fingerprints (\`upload-webhooks keys\` where the server runs), and set the same keys on both sides`,
  }),
  missing_signature: (a) => ({
    layer: 'keys',
    problem: `the endpoint expects another sender's signature header${a.message ? ` (${a.message})` : ''}`,
    fix: 'pass the --sender the endpoint verifies',
  }),
  malformed_signature: () => ({
    layer: 'keys',
    problem: 'the endpoint could not parse the signature header',
    fix: 'pass the --sender the endpoint verifies',
  }),
  wrong_issuer: () => ({ layer: 'keys', problem: 'the signature names another issuer', fix: 'pass the --sender the endpoint verifies' }),
  signature_expired: () => ({
    layer: 'clock',
    problem: 'the endpoint considers the signature expired',
    fix: "sync this machine's or the server's clock (NTP): they disagree by more than the tolerance",
  }),
  signature_not_yet_valid: () => ({
    layer: 'clock',
    problem: 'the endpoint considers the signature not valid yet',
    fix: "sync this machine's or the server's clock (NTP)",
  }),
  body_hash_mismatch: () => ({
    layer: 'body',
    problem: 'the body the router read is not the body that was signed',
    fix: 'something between the network and the router rewrites the body (a proxy, or a JSON parser that re-serialises it): hand the router the raw bytes',
  }),
  raw_body_unavailable: (a) => ({
    layer: 'body',
    problem: 'a body parser consumed the request before the webhook route',
    fix: a.message ?? 'mount the webhook route before express.json() (or any body parser)',
  }),
  unsupported_media_type: () => ({
    layer: 'body',
    problem: 'the endpoint saw a Content-Type other than JSON',
    fix: 'something in front of the router changes Content-Type: senders post application/json; let it through untouched',
  }),
  store_unavailable: () => ({
    layer: 'store',
    problem: 'the dedupe store is unreachable: real deliveries get 503 too, and the sender keeps retrying',
    fix: 'check the store the server is configured with (REDIS_URL, UPSTASH_REDIS_REST_URL/_TOKEN) is up and reachable from the server',
  }),
  handler_failed: () => ({ layer: 'handler', problem: 'the handler threw', fix: "read the server's log for the error" }),
}

/** Undefined when the answer is a success; otherwise what broke and how to fix it. */
export function diagnose(answer: Answer, ctx: DiagnoseContext): Diagnosis | undefined {
  if (answer.networkError) return network(answer, ctx)
  const status = answer.status!
  const path = new URL(ctx.url).pathname
  if (status >= 200 && status < 300) return undefined
  const known = answer.reason ? refusals[answer.reason] : undefined
  if (known) {
    const found = known(answer, ctx)
    return { layer: found.layer, problem: found.problem ?? answer.reason!, fix: found.fix }
  }
  if (status >= 300 && status < 400) {
    return {
      layer: 'routing',
      problem: `the URL redirects (${status}${answer.headers['location'] ? ` to ${answer.headers['location']}` : ''}); senders do not follow redirects with the body`,
      fix: 'use the final URL (https, with or without the trailing slash as the server wants)',
    }
  }
  if (status === 404) {
    return {
      layer: 'routing',
      problem: `nothing answers at ${path} (404)`,
      fix: 'check the path: the examples mount the webhook at /api/webhooks/upload',
    }
  }
  const said = answer.reason ?? answer.bodyText ?? ''
  return {
    layer: answer.outcome === undefined ? 'routing' : 'server',
    problem: `the endpoint answered ${status}${said ? `: ${said}` : ''}`,
    fix:
      answer.outcome === undefined
        ? 'the answer is not from upload-webhooks: check the URL points at the webhook route, not at another app or a proxy error page'
        : "read the server's log",
  }
}
