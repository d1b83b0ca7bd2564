// A local HTTP server shaped like QStash's REST API (the parts the CLI calls): DLQ list with cursor
// pages, get by IDs, retry, delete, and GET /v2/keys; bearer auth and injectable failures.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeDlqMessage {
  dlqId: string
  messageId: string
  url: string
  topicName?: string
  method: string
  header: Record<string, string[]>
  body: string
  maxRetries: number
  createdAt: number
  responseStatus: number
  responseBody: string
}

export interface FakeQStash {
  /** Base URL to put in QSTASH_URL. */
  url: string
  token: string
  keys: { current: string; next: string }
  dlq: FakeDlqMessage[]
  /** Every request, as `METHOD /path?query`. */
  requests: string[]
  /** Answer this request with this status instead (e.g. a 503 on the second page). */
  fail?: (request: URL, method: string) => number | undefined
  close(): Promise<void>
}

/** QStash's page size cap. */
const MAX_PAGE = 100

export function dlqMessage(index: number, overrides: Partial<FakeDlqMessage> = {}): FakeDlqMessage {
  return {
    dlqId: `1725323658779-${index}`,
    messageId: `msg_fake_${index}`,
    url: 'https://app.example.com/api/webhooks/upload',
    topicName: 'uploads',
    method: 'POST',
    header: { 'Content-Type': ['application/json'] },
    body: JSON.stringify({ event: 'onUploadComplete', file: { id: `file_${index}`, fileName: `photo-${index}.jpg` } }),
    maxRetries: 3,
    createdAt: Date.now() - 3 * 3600 * 1000,
    responseStatus: 500,
    responseBody: '{"status":"error","reason":"handler_failed"}',
    ...overrides,
  }
}

function send(res: ServerResponse, status: number, body?: unknown) {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' })
  res.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body))
}

export async function startFakeQStash(options: { token?: string; keys?: { current: string; next: string } } = {}): Promise<FakeQStash> {
  const fake = {
    token: options.token ?? 'qstash_test_token',
    keys: options.keys ?? { current: 'sig_account_current', next: 'sig_account_next' },
    dlq: [] as FakeDlqMessage[],
    requests: [] as string[],
  } as FakeQStash

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://qstash.local')
    const method = req.method ?? 'GET'
    fake.requests.push(`${method} ${url.pathname}${url.search}`)
    if (req.headers.authorization !== `Bearer ${fake.token}`) return send(res, 401, { error: 'Unauthorized' })
    const failure = fake.fail?.(url, method)
    if (failure) return send(res, failure, { error: 'Service Unavailable' })
    const ids = url.searchParams.getAll('dlqIds')

    if (method === 'GET' && url.pathname === '/v2/keys') return send(res, 200, fake.keys)
    if (method === 'GET' && url.pathname === '/v2/dlq') {
      if (ids.length > 0) return send(res, 200, { messages: fake.dlq.filter((message) => ids.includes(message.dlqId)) })
      const group = url.searchParams.get('topicName')
      const matching = fake.dlq.filter((message) => !group || message.topicName === group)
      const offset = Number(url.searchParams.get('cursor') ?? 0)
      const count = Math.min(Number(url.searchParams.get('count') ?? MAX_PAGE), MAX_PAGE)
      const page = matching.slice(offset, offset + count)
      const next = offset + count < matching.length ? String(offset + count) : undefined
      return send(res, 200, { messages: page, ...(next ? { cursor: next } : {}) })
    }
    const single = url.pathname.match(/^\/v2\/dlq\/([^/]+)$/)
    if (method === 'DELETE' && single && single[1] !== 'retry') {
      const index = fake.dlq.findIndex((message) => message.dlqId === decodeURIComponent(single[1]!))
      if (index < 0) return send(res, 404, { error: 'message not found' })
      fake.dlq.splice(index, 1)
      return send(res, 200)
    }
    if (method === 'DELETE' && url.pathname === '/v2/dlq') {
      const before = fake.dlq.length
      fake.dlq = fake.dlq.filter((message) => !ids.includes(message.dlqId))
      return send(res, 200, { deleted: before - fake.dlq.length })
    }
    if (method === 'POST' && url.pathname === '/v2/dlq/retry') {
      const retried = fake.dlq.filter((message) => ids.includes(message.dlqId))
      fake.dlq = fake.dlq.filter((message) => !ids.includes(message.dlqId))
      return send(res, 200, { responses: retried.map((message) => ({ messageId: `${message.messageId}_retry` })) })
    }
    send(res, 404, { error: `no route ${method} ${url.pathname}` })
  }

  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return fake
}
