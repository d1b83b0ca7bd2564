// A local stand-in for QStash's publish-and-deliver path, for tests and `pnpm demo:pipeline`:
// it answers the publish API for URL groups, drops duplicate deduplication IDs, and delivers
// each message to every endpoint signed exactly as QStash signs (core's `/testing` signer),
// retrying and finally calling the failure callback. Only ever talks to the URLs it is given.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'

export interface LocalQStashOptions {
  /** Bearer token publishers must send. Required. */
  token: string
  /** URL group name → endpoint URLs it delivers to. Required. */
  urlGroups: Record<string, string[]>
  /** Key deliveries are signed with. Default: `devSigningKeys.currentSigningKey`. */
  signingKey?: string
  /** Deliver published messages (false: only record publishes). Default: `true`. */
  deliver?: boolean
  /** Retries after a failed delivery attempt, before the failure callback. Default: `2`. */
  deliveryRetries?: number
  /** Pause between delivery attempts, in ms. Default: `50`. */
  retryDelayMs?: number
  /** Sees every publish and delivery as it happens (the demo prints them). Default: none. */
  onEvent?: (event: LocalQStashEvent) => void
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

export type LocalQStashEvent = ({ type: 'publish' } & PublishRecord & { messageIds: string[] }) | ({ type: 'delivery' } & DeliveryRecord)

interface ForcedAnswer {
  status: number
  headers: Record<string, string>
}

export class LocalQStash {
  readonly publishes: PublishRecord[] = []
  readonly deliveries: DeliveryRecord[] = []
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

  /** URL group name → endpoints; change it to reroute later publishes. */
  readonly urlGroups: Record<string, string[]>

  constructor(options: LocalQStashOptions) {
    if (!options.token) throw new Error('LocalQStash: token is required (the Bearer token publishers send).')
    this.options = {
      signingKey: devSigningKeys.currentSigningKey,
      deliver: true,
      deliveryRetries: 2,
      retryDelayMs: 50,
      ...options,
    }
    this.urlGroups = this.options.urlGroups
  }

  /** The next `count` publishes answer `status` (with `headers`) and are not accepted. */
  failPublishes(count: number, status: number, headers: Record<string, string> = {}): void {
    for (let i = 0; i < count; i++) this.forced.push({ status, headers })
  }

  /** The publish API: `POST /v2/publish/{urlGroup}` or `/v2/publish/{destination URL}`. Anything else answers 404. */
  async handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname
    const match = /^\/v2\/publish\/(https?:\/\/.+|[^/]+)$/.exec(path)
    if (request.method !== 'POST' || !match) return Response.json({ error: `no route for ${request.method} ${path}` }, { status: 404 })
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      if (this.publishLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.publishLatencyMs))
      return await this.publish(decodeURIComponent(match[1]!), request)
    } finally {
      this.inFlight--
    }
  }

  private async publish(urlGroup: string, request: Request): Promise<Response> {
    const body = await request.text()
    const headers = Object.fromEntries(request.headers)
    const record = (status: number, deduplicated = false, messageIds: string[] = []) => {
      const entry = { urlGroup, headers, body, status, deduplicated }
      this.publishes.push(entry)
      this.options.onEvent?.({ type: 'publish', ...entry, messageIds })
    }
    if (headers.authorization !== `Bearer ${this.options.token}`) {
      record(401)
      return Response.json({ error: 'invalid token' }, { status: 401 })
    }
    const forced = this.forced.shift()
    if (forced) {
      record(forced.status)
      return new Response('local QStash: forced failure', { status: forced.status, headers: forced.headers })
    }
    // A URL destination is delivered to itself, as QStash does; a name is a URL group.
    const endpoints = /^https?:\/\//.test(urlGroup) ? [urlGroup] : this.urlGroups[urlGroup]
    if (!endpoints) {
      record(404)
      return Response.json({ error: `topic ${urlGroup} not found` }, { status: 404 })
    }
    const dedupeId = headers['upstash-deduplication-id']
    const seen = dedupeId ? this.dedupe.get(dedupeId) : undefined
    if (seen) {
      record(201, true, seen)
      return Response.json(
        seen.map((messageId, i) => ({ messageId, url: endpoints[i], deduplicated: true })),
        { status: 201 },
      )
    }
    const messageIds = endpoints.map(() => `msg_local_${crypto.randomUUID().replace(/-/g, '')}`)
    if (dedupeId) this.dedupe.set(dedupeId, messageIds)
    record(201, false, messageIds)
    if (this.options.deliver) {
      endpoints.forEach((url, i) => {
        this.track(this.deliver(url, messageIds[i]!, body, headers, urlGroup))
      })
    }
    return Response.json(
      messageIds.map((messageId, i) => ({ messageId, url: endpoints[i] })),
      { status: 201 },
    )
  }

  private track(work: Promise<void>): void {
    this.pending.add(work)
    void work.finally(() => this.pending.delete(work))
  }

  /** Delivers with retries; after the last failure, calls the failure callback if one was given. */
  private async deliver(url: string, messageId: string, body: string, publishHeaders: Record<string, string>, urlGroup: string) {
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
    const callback = publishHeaders['upstash-failure-callback']
    if (!callback) return
    const failure = {
      status: last.status,
      header: { 'Content-Type': ['application/json'] },
      body: Buffer.from(last.responseBody).toString('base64'),
      retried: Math.min(retried, maxRetries),
      maxRetries,
      dlqId: `${Date.now()}-0`,
      sourceMessageId: messageId,
      topicName: urlGroup,
      url,
      method: 'POST',
      sourceHeader: { 'Content-Type': [contentType] },
      sourceBody: Buffer.from(body).toString('base64'),
    }
    const callbackId = `msg_local_${crypto.randomUUID().replace(/-/g, '')}`
    await this.post(callback, callbackId, JSON.stringify(failure), 'application/json', 0, true)
  }

  private async post(url: string, messageId: string, body: string, contentType: string, retried: number, failureCallback: boolean) {
    const signed = await signQStash({ body, url, messageId, retried, signingKey: this.options.signingKey })
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

  /** Serves the publish API on 127.0.0.1; resolves with its base URL. */
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
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
