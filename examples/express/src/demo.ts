// `pnpm demo`: starts this example on a free port, sends it deliveries over real HTTP, each
// signed exactly as QStash signs them (public dev keys), prints what the server answered and
// what the handlers saw, and exits non-zero if any answer is not the documented one.
import type { AddressInfo } from 'node:net'
import { type Logger, memoryStore, type WebhookHandlers } from '@upload-webhooks/core'
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import { createApp, WEBHOOK_PATH } from './app.js'
import { keepDelivery } from './delivery-log.js'
import { handlers } from './handlers.js'
import type { Received } from './received.js'
import { webhookSetupFromEnv } from './webhook-setup.js'

const startedAt = performance.now()

/** An UploadKit `onUploadComplete` body, as its docs show it. */
const uploadEvent = (id: string, fileName: string) => ({
  event: 'onUploadComplete',
  file: {
    id,
    key: `uploads/${id}/${fileName}`,
    url: `https://cdn.uploadkit.dev/uploads/${id}/${fileName}`,
    fileName,
    fileSize: 1_048_576,
    contentType: 'image/jpeg',
    status: 'UPLOADED',
    createdAt: new Date().toISOString(),
  },
  metadata: { userId: 'user_123' },
})

// What each delivery made the handlers do, keyed by QStash message ID.
const seen = new Map<string, string[]>()
const note = (deliveryId: string, line: string) => seen.set(deliveryId, [...(seen.get(deliveryId) ?? []), line])
// Message IDs whose first attempt meets a simulated outage (the handler throws once).
const failFirstAttempt = new Set<string>()

const demoHandlers: WebhookHandlers = {
  onUploadComplete: async (event, ctx) => {
    if (failFirstAttempt.delete(ctx.deliveryId)) {
      note(ctx.deliveryId, `onUploadComplete(${event.file.name}) threw: database unavailable`)
      throw new Error('simulated outage: database unavailable')
    }
    note(ctx.deliveryId, `onUploadComplete(${event.file.name}), attempt ${ctx.attempt}`)
    await handlers.onUploadComplete(event, ctx)
  },
  'qstash.failure': async (event, ctx) => {
    note(ctx.deliveryId, `qstash.failure for ${event.sourceMessageId}`)
    await handlers['qstash.failure'](event, ctx)
  },
}

// The router's own log lines, printed after the table instead of interleaved with it.
const serverLog: string[] = []
const logger: Logger = {
  warn: (message) => serverLog.push(`warn  ${message}`),
  error: (message) => serverLog.push(`error ${message}`),
}

// Dev keys and the in-memory store whatever the shell has set: the demo signs with the dev key.
const setup = webhookSetupFromEnv({})
const server = createApp({ setup, handlers: demoHandlers, store: memoryStore(), logger, onDelivery: keepDelivery }).listen(0, '127.0.0.1')
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject))
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}${WEBHOOK_PATH}`

interface Step {
  what: string
  /** Exact body text sent. */
  body: string
  messageId: string
  retried?: number
  /** Body sent instead of the signed one (tampering in transit). */
  tamperedBody?: string
  expect: { status: number; outcome: string }
}

const body = (value: unknown) => JSON.stringify(value)
const first = body(uploadEvent('file_abc123', 'photo.jpg'))
const flaky = body(uploadEvent('file_def456', 'report.pdf'))
const steps: Step[] = [
  { what: 'signed onUploadComplete', body: first, messageId: 'msg_demo_1', expect: { status: 200, outcome: 'processed' } },
  { what: 'the same delivery again', body: first, messageId: 'msg_demo_1', retried: 1, expect: { status: 200, outcome: 'duplicate' } },
  {
    what: 'tampered body (fileSize changed)',
    body: first,
    tamperedBody: first.replace('"fileSize":1048576', '"fileSize":1'),
    messageId: 'msg_demo_2',
    expect: { status: 401, outcome: 'body_hash_mismatch' },
  },
  {
    what: 'unknown event onUploadDeleted',
    body: body({ event: 'onUploadDeleted', file: { id: 'file_abc123' } }),
    messageId: 'msg_demo_3',
    expect: { status: 200, outcome: 'ignored' },
  },
  { what: 'handler fails (1st attempt)', body: flaky, messageId: 'msg_demo_4', expect: { status: 500, outcome: 'handler_failed' } },
  { what: 'QStash retries it', body: flaky, messageId: 'msg_demo_4', retried: 1, expect: { status: 200, outcome: 'processed' } },
  {
    what: 'QStash failure callback',
    body: body({
      status: 500,
      sourceMessageId: 'msg_gave_up_after_3_retries',
      url: endpoint,
      topicName: 'uploads',
      header: {},
      body: '',
      sourceBody: Buffer.from(body(uploadEvent('file_0', 'lost.png'))).toString('base64'),
      retried: 3,
      maxRetries: 3,
      dlqId: '1725323658779-0',
    }),
    messageId: 'msg_demo_5',
    expect: { status: 200, outcome: 'processed' },
  },
]
failFirstAttempt.add('msg_demo_4')

const rows: string[][] = []
let mismatches = 0
let state: Received
try {
  for (const [index, step] of steps.entries()) {
    // Exactly the headers QStash sends: Upstash-Signature (JWT over URL and body hash), message ID, retry count.
    const signed = await signQStash({
      body: step.body,
      url: endpoint,
      messageId: step.messageId,
      retried: step.retried ?? 0,
      signingKey: devSigningKeys.currentSigningKey,
    })
    const handledBefore = seen.get(step.messageId)?.length ?? 0
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body: step.tamperedBody ?? step.body,
    })
    const answer = (await response.json()) as { status: string; reason?: string }
    const outcome = answer.reason ?? answer.status
    const ok = response.status === step.expect.status && outcome === step.expect.outcome
    if (!ok) mismatches++
    const handled = seen.get(step.messageId)?.slice(handledBefore) ?? []
    rows.push([
      String(index + 1),
      step.what,
      `${step.messageId}${step.retried ? ` (retry ${step.retried})` : ''}`,
      `${response.status} ${outcome}${ok ? '' : `  ✗ expected ${step.expect.status} ${step.expect.outcome}`}`,
      handled.length > 0 ? handled.join('; ') : '— (not called)',
    ])
  }
  state = (await (await fetch(new URL('/uploads', endpoint))).json()) as Received
} finally {
  server.close()
}

const header = ['#', 'delivery', 'QStash message', 'server answered', 'handler saw']
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
const line = (cells: string[]) =>
  cells
    .map((cell, column) => cell.padEnd(widths[column]!))
    .join('  ')
    .trimEnd()

console.log(`\nupload-webhooks demo: the Express example on ${endpoint}`)
for (const summary of setup.summary) console.log(`  ${summary}`)
console.log(`\n${line(header)}\n${widths.map((width) => '─'.repeat(width)).join('  ')}`)
for (const row of rows) console.log(line(row))
console.log(
  `\nGET /uploads now lists ${state.uploads.length} uploads (${state.uploads.map((u) => u.file.name).join(', ')}) and ${state.failures.length} dead-lettered delivery.`,
)
if (serverLog.length > 0) console.log(`\nserver log:\n${serverLog.map((entry) => `  ${entry}`).join('\n')}`)
console.log(
  `\n${mismatches === 0 ? 'every answer as documented' : `${mismatches} answer(s) differ from the documented ones`} · ${Math.round(performance.now() - startedAt)} ms`,
)
process.exitCode = mismatches === 0 ? 0 : 1
