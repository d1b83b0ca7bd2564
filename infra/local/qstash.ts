// A local stand-in for QStash, the one every test and `pnpm demo:pipeline` use: the publish API
// (URL groups and URL destinations, deduplication IDs), delivery signed exactly as QStash signs
// (core's `/testing` signer) with retries, the DLQ and the failure callback, and the management
// API the CLI, the infra providers and the DLQ monitor call (URL groups, signing keys, DLQ
// list/retry/delete).
// Only ever talks to the URLs it is given.
import { createServer, type Server, STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'

export interface LocalQStashOptions {
  /** Bearer token every API call must send. Required. */
  token: string
  /** URL group name → endpoint URLs it delivers to. Default: none. */
  urlGroups?: Record<string, string[]>
  /** The account's signing keys: deliveries are signed with `current`; `GET /v2/keys` returns both. Default: core's dev keys. */
  signingKeys?: SigningKeys
  /** Deliver published messages and DLQ retries (false: only record them). Default: `true`. */
  deliver?: boolean
  /** Retries after a failed delivery attempt, before the DLQ and the failure callback. Default: `2`. */
  deliveryRetries?: number
  /** Pause between delivery attempts, in ms. Default: `50`. */
  retryDelayMs?: number
  /** Most dead letters one `GET /v2/dlq` page holds, whatever `count` asks (smaller pages make paging testable). Default: `100`, QStash's cap. */
  dlqPageSize?: number
  /** Sees every publish and delivery as it happens (the demo prints them). Default: none. */
  onEvent?: (event: LocalQStashEvent) => void
}

export interface SigningKeys {
  current: string
  next: string
}

/** A URL group's endpoint, as `GET /v2/topics/{name}` lists it. */
export interface Endpoint {
  name: string
  url: string
}

/** One API call as received: `body` is parsed JSON when it is JSON, else the text (undefined when empty). */
export interface RecordedCall {
  method: string
  path: string
  /** The query string with its `?`; absent when there is none. */
  search?: string
  body: unknown
}

export interface PublishRecord {
  urlGroup: string
  headers: Record<string, string>
  body: string
  /** What the fake answered. */
  status: number
  deduplicated: boolean
}

export interface DeliveryRecord {
  url: string
  messageId: string
  /** 0 on the first attempt. */
  retried: number
  /** What the endpoint answered; 0 when unreachable. */
  status: number
  responseBody: string
  failureCallback: boolean
}

/** A dead-lettered message, shaped like QStash's `GET /v2/dlq` entries. */
export interface DlqMessage {
  dlqId: string
  messageId: string
  url: string
  topicName?: string
  method: string
  header: Record<string, string[]>
  body: string
  maxRetries: number
  createdAt: number
  /** Optional, as in QStash's API: a letter whose last attempt got no response may have none. */
  responseStatus?: number
  responseBody?: string
}

export type LocalQStashEvent = ({ type: 'publish' } & PublishRecord & { messageIds: string[] }) | ({ type: 'delivery' } & DeliveryRecord)

interface ForcedAnswer {
  status: number
  body: string
  headers: Record<string, string>
  method: string | undefined
  publishOnly: boolean
}

/** QStash's DLQ page size cap. */
const MAX_PAGE = 100

const PUBLISH = /^\/v2\/publish\/(https?:\/\/.+|[^/]+)$/

const newMessageId = () => `msg_local_${crypto.randomUUID().replace(/-/g, '')}`

function parseBody(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

export class LocalQStash {
  /** Every API call, in order. */
  readonly calls: RecordedCall[] = []
  readonly publishes: PublishRecord[] = []
  readonly deliveries: DeliveryRecord[] = []
  /** URL group name → endpoints; change it to reroute later publishes. */
  readonly topics = new Map<string, Endpoint[]>()
  /** The account's signing keys; change them to simulate a rotation made elsewhere. */
  readonly keys: SigningKeys
  /** Dead-lettered messages: deliveries that ran out of retries, or seeded by a test. */
  dlq: DlqMessage[] = []
  /** Answer a call with this status instead, when it returns one (after `failNext`'s queue). */
  fail?: ((url: URL, method: string) => number | undefined) | undefined
  /** `POST /v2/keys/rotate` calls so far. */
  rotations = 0
  /** Most publish calls that were in flight at once. */
  maxInFlight = 0
  /** Delay before each publish answer, so concurrent calls overlap. Default: 0. */
  publishLatencyMs = 0
  private inFlight = 0
  private readonly dedupe = new Map<string, string[]>()
  private readonly forced: ForcedAnswer[] = []
  private readonly pending = new Set<Promise<void>>()
  private server: Server | undefined
  private readonly options: Required<Omit<LocalQStashOptions, 'onEvent'>> & Pick<LocalQStashOptions, 'onEvent'>

  constructor(options: LocalQStashOptions) {
    if (!options.token) throw new Error('LocalQStash: token is required (the Bearer token API calls send).')
    const pageSize = options.dlqPageSize
    if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize > 0 && pageSize <= MAX_PAGE)) {
      throw new Error(`LocalQStash: dlqPageSize must be an integer from 1 to ${MAX_PAGE} (got ${pageSize}).`)
    }
    this.options = {
      urlGroups: {},
      signingKeys: { current: devSigningKeys.currentSigningKey, next: devSigningKeys.nextSigningKey },
      deliver: true,
      deliveryRetries: 2,
      retryDelayMs: 50,
      dlqPageSize: MAX_PAGE,
      ...options,
    }
    this.keys = { ...this.options.signingKeys }
    this.reset()
  }

  /** Back to the state the options describe: no calls, records, DLQ, rotations or queued failures. */
  reset(): void {
    for (const list of [this.calls, this.publishes, this.deliveries, this.forced]) list.length = 0
    this.topics.clear()
    for (const [name, urls] of Object.entries(this.options.urlGroups)) this.setUrlGroup(name, urls)
    Object.assign(this.keys, this.options.signingKeys)
    this.dlq = []
    this.dedupe.clear()
    this.fail = undefined
    this.rotations = 0
  }

  /** Sets URL group `name` to deliver to `urls` (unnamed endpoints). */
  setUrlGroup(name: string, urls: string[]): void {
    this.topics.set(
      name,
      urls.map((url) => ({ name: '', url })),
    )
  }

  /** The next call (only with `method`, when given) answers `status` with `body`, and does nothing else. */
  failNext(status: number, body = '', method?: string): void {
    this.forced.push({ status, body, headers: {}, method, publishOnly: false })
  }

  /** The next `count` publishes answer `status` (with `headers`) and are not accepted. */
  failPublishes(count: number, status: number, headers: Record<string, string> = {}): void {
    for (let i = 0; i < count; i++)
      this.forced.push({ status, body: 'local QStash: forced failure', headers, method: undefined, publishOnly: true })
  }

  /** The whole API; an unknown route answers 404. */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const text = await request.text()
    this.calls.push({ method: request.method, path: url.pathname, ...(url.search ? { search: url.search } : {}), body: parseBody(text) })
    const publish = request.method === 'POST' ? PUBLISH.exec(url.pathname) : null
    if (publish) return this.countedPublish(decodeURIComponent(publish[1]!), request.headers, text)
    if (request.headers.get('authorization') !== `Bearer ${this.options.token}`) {
      return Response.json({ error: 'invalid token' }, { status: 401 })
    }
    const forced = this.takeForced(request.method, false)
    if (forced) return new Response(forced.body, { status: forced.status, headers: forced.headers })
    const failure = this.fail?.(url, request.method)
    if (failure) return Response.json({ error: STATUS_CODES[failure] ?? 'error' }, { status: failure })
    return this.manage(request.method, url, parseBody(text))
  }

  private takeForced(method: string, publish: boolean): ForcedAnswer | undefined {
    const index = this.forced.findIndex((f) => (!f.method || f.method === method) && (publish || !f.publishOnly))
    return index < 0 ? undefined : this.forced.splice(index, 1)[0]
  }

  private manage(method: string, url: URL, body: unknown): Promise<Response> | Response {
    const path = url.pathname
    if (path === '/v2/keys' && method === 'GET') return Response.json({ ...this.keys })
    if (path === '/v2/keys/rotate' && method === 'POST') return this.rotate()
    const topic = /^\/v2\/topics\/([^/]+)(\/endpoints)?$/.exec(path)
    if (topic) return this.topicRoute(method, decodeURIComponent(topic[1]!), topic[2] !== undefined, body)
    if (path === '/v2/dlq' || path.startsWith('/v2/dlq/')) return this.dlqRoute(method, url)
    return Response.json({ error: `no route for ${method} ${path}` }, { status: 404 })
  }

  private rotate(): Response {
    this.rotations++
    this.keys.current = this.keys.next
    this.keys.next = `sig_next_${this.rotations + 1}`
    return Response.json({ ...this.keys })
  }

  private topicRoute(method: string, name: string, endpoints: boolean, body: unknown): Response {
    const list = this.topics.get(name)
    const notFound = () => Response.json({ error: `topic ${name} not found` }, { status: 404 })
    const given = endpoints ? ((body as { endpoints?: { name?: string; url: string }[] } | undefined)?.endpoints ?? []) : []
    if (endpoints && method === 'POST') {
      const next = [...(list ?? [])]
      for (const endpoint of given) {
        const entry = { name: endpoint.name ?? '', url: endpoint.url }
        const at = next.findIndex((e) => e.url === endpoint.url)
        if (at >= 0) next[at] = entry
        else next.push(entry)
      }
      this.topics.set(name, next)
      return new Response(null, { status: 200 })
    }
    if (endpoints && method === 'DELETE') {
      if (!list) return notFound()
      const gone = new Set(given.map((e) => e.url))
      const left = list.filter((e) => !gone.has(e.url))
      // Like QStash: a group whose last endpoint is removed is deleted.
      if (left.length === 0) this.topics.delete(name)
      else this.topics.set(name, left)
      return new Response(null, { status: 200 })
    }
    if (!endpoints && method === 'GET') return list ? Response.json({ name, createdAt: 1, updatedAt: 2, endpoints: list }) : notFound()
    if (!endpoints && method === 'DELETE') return this.topics.delete(name) ? new Response(null, { status: 200 }) : notFound()
    return Response.json({ error: `no route for ${method} /v2/topics/${name}` }, { status: 404 })
  }

  private dlqRoute(method: string, url: URL): Response {
    const ids = url.searchParams.getAll('dlqIds')
    const single = /^\/v2\/dlq\/([^/]+)$/.exec(url.pathname)
    if (method === 'GET' && url.pathname === '/v2/dlq')
      return ids.length > 0 ? Response.json({ messages: this.dlq.filter((m) => ids.includes(m.dlqId)) }) : this.dlqPage(url)
    if (method === 'DELETE' && single && single[1] !== 'retry') {
      const index = this.dlq.findIndex((m) => m.dlqId === decodeURIComponent(single[1]!))
      if (index < 0) return Response.json({ error: 'message not found' }, { status: 404 })
      this.dlq.splice(index, 1)
      return new Response(null, { status: 200 })
    }
    if (method === 'DELETE' && url.pathname === '/v2/dlq') {
      const before = this.dlq.length
      this.dlq = this.dlq.filter((m) => !ids.includes(m.dlqId))
      return Response.json({ deleted: before - this.dlq.length })
    }
    if (method === 'POST' && url.pathname === '/v2/dlq/retry') {
      const retried = this.dlq.filter((m) => ids.includes(m.dlqId))
      this.dlq = this.dlq.filter((m) => !ids.includes(m.dlqId))
      return Response.json({ responses: retried.map((m) => ({ messageId: this.redeliver(m) })) })
    }
    return Response.json({ error: `no route for ${method} ${url.pathname}` }, { status: 404 })
  }

  /** `GET /v2/dlq`: one page of the matching letters, with a cursor while more remain. */
  private dlqPage(url: URL): Response {
    const matching = this.dlqMatching(url.searchParams)
    const offset = Number(url.searchParams.get('cursor') ?? 0)
    const pageSize = this.options.dlqPageSize
    const count = Math.min(Number(url.searchParams.get('count') ?? pageSize), pageSize)
    const next = offset + count < matching.length ? String(offset + count) : undefined
    return Response.json({ messages: matching.slice(offset, offset + count), ...(next ? { cursor: next } : {}) })
  }

  /** The letters `GET /v2/dlq`'s filters select (URL group; `fromDate`/`toDate` inclusive, unix ms), in its `order`. */
  private dlqMatching(query: URLSearchParams): DlqMessage[] {
    const group = query.get('topicName')
    const from = Number(query.get('fromDate') ?? Number.NEGATIVE_INFINITY)
    const to = Number(query.get('toDate') ?? Number.POSITIVE_INFINITY)
    const matching = this.dlq.filter((m) => (!group || m.topicName === group) && m.createdAt >= from && m.createdAt <= to)
    // QStash sorts by time, earliest first unless told otherwise.
    const direction = query.get('order') === 'latestFirst' ? -1 : 1
    return matching.sort((a, b) => direction * (a.createdAt - b.createdAt))
  }

  /** A DLQ retry: the same body to the same URL under a new message ID. */
  private redeliver(message: DlqMessage): string {
    const messageId = `${message.messageId}_retry`
    const headers = { 'content-type': message.header['Content-Type']?.[0] ?? 'application/json' }
    if (this.options.deliver) this.track(this.deliver(message.url, messageId, message.body, headers, message.topicName))
    return messageId
  }

  private async countedPublish(urlGroup: string, headers: Headers, body: string): Promise<Response> {
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      if (this.publishLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.publishLatencyMs))
      return this.publish(urlGroup, Object.fromEntries(headers), body)
    } finally {
      this.inFlight--
    }
  }

  /** `POST /v2/publish/{urlGroup}` or `/v2/publish/{destination URL}`. */
  private publish(urlGroup: string, headers: Record<string, string>, body: string): Response {
    const record = (status: number, deduplicated = false, messageIds: string[] = []) => {
      const entry = { urlGroup, headers, body, status, deduplicated }
      this.publishes.push(entry)
      this.options.onEvent?.({ type: 'publish', ...entry, messageIds })
    }
    if (headers['authorization'] !== `Bearer ${this.options.token}`) {
      record(401)
      return Response.json({ error: 'invalid token' }, { status: 401 })
    }
    const forced = this.takeForced('POST', true)
    if (forced) {
      record(forced.status)
      return new Response(forced.body, { status: forced.status, headers: forced.headers })
    }
    // A URL destination is delivered to itself, as QStash does; a name is a URL group.
    const topicName = /^https?:\/\//.test(urlGroup) ? undefined : urlGroup
    const endpoints = topicName === undefined ? [urlGroup] : this.topics.get(topicName)?.map((e) => e.url)
    if (!endpoints) {
      record(404)
      return Response.json({ error: `topic ${urlGroup} not found` }, { status: 404 })
    }
    // QStash answers a URL destination with one message and a URL group with a list; a duplicate
    // with 202 and `deduplicated`, the publisher's only sign that nothing new was enqueued.
    const answer = (messages: Record<string, unknown>[], status: number) =>
      Response.json(topicName === undefined ? messages[0] : messages, { status })
    const dedupeId = headers['upstash-deduplication-id']
    const seen = dedupeId ? this.dedupe.get(dedupeId) : undefined
    if (seen) {
      record(202, true, seen)
      return answer(
        seen.map((messageId, i) => ({ messageId, url: endpoints[i], deduplicated: true })),
        202,
      )
    }
    const messageIds = endpoints.map(newMessageId)
    if (dedupeId) this.dedupe.set(dedupeId, messageIds)
    record(201, false, messageIds)
    if (this.options.deliver) {
      endpoints.forEach((url, i) => {
        this.track(this.deliver(url, messageIds[i]!, body, headers, topicName))
      })
    }
    return answer(
      messageIds.map((messageId, i) => ({ messageId, url: endpoints[i] })),
      201,
    )
  }

  private track(work: Promise<void>): void {
    this.pending.add(work)
    void work.finally(() => this.pending.delete(work))
  }

  /** Delivers with retries; after the last failure, dead-letters it and calls the failure callback if one was given. */
  private async deliver(
    url: string,
    messageId: string,
    body: string,
    publishHeaders: Record<string, string>,
    topicName: string | undefined,
  ) {
    const contentType = publishHeaders['content-type'] ?? 'application/json'
    // `Upstash-Retries` caps the retries per message, as on QStash.
    const asked = Number(publishHeaders['upstash-retries'])
    const maxRetries = Number.isInteger(asked) && asked >= 0 ? asked : this.options.deliveryRetries
    let last = { status: 0, responseBody: '', nonRetryable: false }
    let retried = 0
    for (; retried <= maxRetries; retried++) {
      if (retried > 0) await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs))
      last = await this.post(url, messageId, body, contentType, retried, false)
      if (last.status >= 200 && last.status < 300) return
      // 489 with the header: no more retries, straight to the DLQ and the failure callback.
      if (last.nonRetryable) break
    }
    const dlqId = `${Date.now()}-${this.dlq.length}`
    const header = { 'Content-Type': [contentType] }
    this.dlq.push({
      dlqId,
      messageId,
      url,
      ...(topicName ? { topicName } : {}),
      method: 'POST',
      header,
      body,
      maxRetries,
      createdAt: Date.now(),
      responseStatus: last.status,
      responseBody: last.responseBody,
    })
    const callback = publishHeaders['upstash-failure-callback']
    if (!callback) return
    const failure = {
      status: last.status,
      header: { 'Content-Type': ['application/json'] },
      body: Buffer.from(last.responseBody).toString('base64'),
      retried: Math.min(retried, maxRetries),
      maxRetries,
      dlqId,
      sourceMessageId: messageId,
      ...(topicName ? { topicName } : {}),
      url,
      method: 'POST',
      sourceHeader: header,
      sourceBody: Buffer.from(body).toString('base64'),
    }
    await this.post(callback, newMessageId(), JSON.stringify(failure), 'application/json', 0, true)
  }

  private async post(url: string, messageId: string, body: string, contentType: string, retried: number, failureCallback: boolean) {
    const signed = await signQStash({ body, url, messageId, retried, signingKey: this.keys.current })
    let status = 0
    let responseBody = ''
    let nonRetryable = false
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...signed }, body })
      status = response.status
      nonRetryable = status === 489 && response.headers.get('upstash-nonretryable-error') === 'true'
      responseBody = await response.text()
    } catch (err) {
      responseBody = String(err)
    }
    const entry = { url, messageId, retried, status, responseBody, failureCallback }
    this.deliveries.push(entry)
    this.options.onEvent?.({ type: 'delivery', ...entry })
    return { status, responseBody, nonRetryable }
  }

  /** Resolves once every delivery started so far (retries included) has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  /** Serves the API on 127.0.0.1 (port 0); resolves with its base URL, for `QSTASH_URL`. */
  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', async () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value)
        const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks)
        const answer = await this.handle(new Request(`http://127.0.0.1${req.url}`, { method: req.method!, headers, body }))
        res.writeHead(answer.status, Object.fromEntries(answer.headers))
        res.end(Buffer.from(await answer.arrayBuffer()))
      })
    })
    this.server = server
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  /** Waits for pending deliveries, then stops the server (if listening). */
  async close(): Promise<void> {
    await this.idle()
    const server = this.server
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
