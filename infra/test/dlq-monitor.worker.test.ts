import { Miniflare } from 'miniflare'
import { HttpResponse, http } from 'msw'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type DlqMessage, LocalQStash } from '../local/qstash.js'
import { dlqMonitorSource } from '../src/dlq-monitor-source.js'
import { type HandlerServer, serveHandlers } from './support/handler-server.js'

// The worker runs in workerd (miniflare 3) and reaches everything over loopback: QStash's DLQ
// API is the shared LocalQStash, the alert webhook a one-route msw handler.

const TOKEN = 'qstash-worker-token'
const HOOKS = 'https://hooks.test'
const ALERT_PATH = '/services/alert'
const PAGE = 3 // small pages so a handful of letters spans several

const qstash = new LocalQStash({ token: TOKEN, deliver: false, dlqPageSize: PAGE })
const webhook = { status: 200, alerts: [] as { text: string }[] }

function letter(i: number, createdAt = 1_700_000_000_000 + i * 1000): DlqMessage {
  return {
    dlqId: `dlq_${i}`,
    messageId: `msg_${i}`,
    url: `https://app.example.com/hook/${i}`,
    topicName: 'uploads',
    method: 'POST',
    header: { 'Content-Type': ['application/json'] },
    body: JSON.stringify({ event: 'onUploadComplete', file: { id: `file_${i}` } }),
    maxRetries: 3,
    createdAt,
    responseStatus: 500 + (i % 3),
    responseBody: 'handler failed',
  }
}

/** `GET /v2/dlq` answers `status` until called again; `undefined`: it works again. */
function dlqAnswers(status: number | undefined): void {
  qstash.fail = status === undefined ? undefined : (url) => (url.pathname === '/v2/dlq' ? status : undefined)
}

/** The query of each `GET /v2/dlq` the worker sent, in order. */
const dlqQueries = () =>
  qstash.calls.filter((call) => call.method === 'GET' && call.path === '/v2/dlq').map((call) => new URLSearchParams(call.search))

const alertRoute = http.post(`${HOOKS}${ALERT_PATH}`, async ({ request }) => {
  webhook.alerts.push((await request.json()) as { text: string })
  return new HttpResponse(webhook.status === 200 ? 'ok' : 'nope', { status: webhook.status })
})

let mf: Miniflare
let alertServer: HandlerServer
beforeAll(async () => {
  const qstashUrl = await qstash.listen()
  alertServer = await serveHandlers([alertRoute], HOOKS)
  mf = new Miniflare({
    modules: true,
    script: dlqMonitorSource(),
    compatibilityDate: '2024-09-23',
    kvNamespaces: ['DLQ_STATE'],
    bindings: { QSTASH_URL: qstashUrl, QSTASH_TOKEN: TOKEN, ALERT_WEBHOOK_URL: `${alertServer.url}${ALERT_PATH}`, URL_GROUP: 'uploads' },
  })
  await mf.ready
})
afterAll(async () => {
  await mf?.dispose()
  await alertServer?.close()
  await qstash.close()
})
beforeEach(async () => {
  qstash.reset()
  Object.assign(webhook, { status: 200, alerts: [] })
  const kv = await mf.getKVNamespace('DLQ_STATE')
  await kv.delete('dlq-cursor')
  await kv.delete('dlq-monitor-health')
})

async function runCron(): Promise<string> {
  const worker = await mf.getWorker()
  const result = await worker.scheduled({ cron: '*/5 * * * *' })
  return result.outcome
}

async function cursor(): Promise<{ since: number; seen: string[] } | null> {
  const raw = await (await mf.getKVNamespace('DLQ_STATE')).get('dlq-cursor', 'text')
  return raw === null ? null : (JSON.parse(raw) as { since: number; seen: string[] })
}

describe('DLQ monitor worker (workerd)', () => {
  it('stays quiet and writes no cursor when the DLQ is empty', async () => {
    expect(await runCron()).toBe('ok')
    expect(webhook.alerts).toEqual([])
    expect(await cursor()).toBeNull()
    expect(dlqQueries()).toHaveLength(1)
    expect(dlqQueries()[0]?.get('topicName')).toBe('uploads')
  })

  it('reports N letters spread over pages in ONE alert, then advances the cursor', async () => {
    qstash.dlq = Array.from({ length: 7 }, (_, i) => letter(i + 1))
    expect(await runCron()).toBe('ok')

    expect(dlqQueries().map((q) => q.get('cursor'))).toEqual([null, '3', '6'])
    expect(webhook.alerts).toHaveLength(1)
    const text = webhook.alerts[0]!.text
    expect(text).toMatch(/^:rotating_light: 7 new QStash dead letters in URL group `uploads`/)
    for (const i of [1, 2, 3, 4, 5]) expect(text).toContain(`\`msg_${i}\` → https://app.example.com/hook/${i} — HTTP ${500 + (i % 3)}`)
    expect(text).not.toContain('msg_6')
    expect(text).toContain('…and 2 more.')
    expect(await cursor()).toEqual({ since: letter(7).createdAt, seen: ['dlq_7'] })

    // Nothing new: the next run asks from the cursor on, so it reads one page, not the DLQ again.
    expect(await runCron()).toBe('ok')
    const secondRun = dlqQueries().slice(3)
    expect(secondRun.map((q) => q.get('fromDate'))).toEqual([String(letter(7).createdAt)])
    expect(webhook.alerts).toHaveLength(1)
  })

  it('reports only letters newer than the cursor, including one in the same millisecond', async () => {
    qstash.dlq = [letter(1), letter(2)]
    await runCron()
    qstash.dlq.push({ ...letter(3), createdAt: letter(2).createdAt }, letter(4))
    await runCron()
    expect(webhook.alerts).toHaveLength(2)
    expect(webhook.alerts[1]!.text).toMatch(/^:rotating_light: 2 new QStash dead letters/)
    expect(webhook.alerts[1]!.text).toContain('msg_3')
    expect(webhook.alerts[1]!.text).not.toContain('msg_2')
    expect(await cursor()).toEqual({ since: letter(4).createdAt, seen: ['dlq_4'] })
  })

  it('keeps the cursor when the alert webhook fails, so the next run alerts again', async () => {
    qstash.dlq = [letter(1), letter(2)]
    webhook.status = 500
    expect(await runCron()).toBe('ok')
    expect(webhook.alerts).toHaveLength(1)
    expect(await cursor()).toBeNull()

    webhook.status = 200
    await runCron()
    expect(webhook.alerts).toHaveLength(2)
    expect(webhook.alerts[1]!.text).toMatch(/^:rotating_light: 2 new QStash dead letters/)
    expect(await cursor()).toEqual({ since: letter(2).createdAt, seen: ['dlq_2'] })
  })

  it('survives QStash answering 500: no crash, no alert, cursor untouched', async () => {
    qstash.dlq = [letter(1)]
    await runCron()
    const before = await cursor()
    qstash.dlq.push(letter(2))
    dlqAnswers(500)
    expect(await runCron()).toBe('ok')
    expect(webhook.alerts).toHaveLength(1)
    expect(await cursor()).toEqual(before)
  })

  it('singular wording and "no response" for letters without a status', async () => {
    qstash.dlq = [{ ...letter(1), responseStatus: undefined, responseBody: undefined }]
    await runCron()
    expect(webhook.alerts[0]!.text).toMatch(/^:rotating_light: 1 new QStash dead letter in/)
    expect(webhook.alerts[0]!.text).toContain('— no response')
  })

  it.each([401, 403])('alerts ONCE when QStash answers %i (wrong token or region), and once on recovery', async (status) => {
    dlqAnswers(status)
    expect(await runCron()).toBe('ok')
    expect(webhook.alerts).toHaveLength(1)
    const text = webhook.alerts[0]!.text
    expect(text).toMatch(
      new RegExp(`^:warning: The QStash DLQ monitor for URL group \`uploads\` cannot read the DLQ: GET /v2/dlq answered HTTP ${status}\\.`),
    )
    expect(text).toContain('Dead letters are NOT being reported')
    expect(text).toContain('pulumi config set --secret upload-webhooks:qstashToken')

    // Still failing: silence, not an alert every 5 minutes.
    await runCron()
    await runCron()
    expect(webhook.alerts).toHaveLength(1)

    // Fixed: one recovery message, and the letters that arrived meanwhile are reported.
    dlqAnswers(undefined)
    qstash.dlq = [letter(1)]
    await runCron()
    expect(webhook.alerts.map((a) => a.text.split(' ')[0])).toEqual([':warning:', ':white_check_mark:', ':rotating_light:'])
    expect(webhook.alerts[1]!.text).toMatch(/can read the DLQ again \(failing since \d{4}-\d\d-\d\dT/)
    await runCron()
    expect(webhook.alerts).toHaveLength(3)
  })

  it('a transient 5xx is retried quietly; a lasting one alerts once after 3 failed runs in a row', async () => {
    dlqAnswers(503)
    await runCron()
    dlqAnswers(undefined)
    await runCron()
    expect(webhook.alerts).toEqual([]) // one failure, then recovered: never alerted, nothing to say

    dlqAnswers(500)
    await runCron()
    await runCron()
    expect(webhook.alerts).toEqual([])
    await runCron()
    expect(webhook.alerts).toHaveLength(1)
    expect(webhook.alerts[0]!.text).toMatch(
      /^:warning: .*HTTP 500\.\nDead letters are NOT being reported.*\nFix: it failed 3 runs in a row/s,
    )
    await runCron()
    expect(webhook.alerts).toHaveLength(1)
    dlqAnswers(undefined)
    await runCron()
    expect(webhook.alerts).toHaveLength(2)
    expect(webhook.alerts[1]!.text).toMatch(/^:white_check_mark: /)
  })

  it('a failing-monitor alert the webhook refused is sent again on the next run', async () => {
    dlqAnswers(401)
    webhook.status = 500
    await runCron()
    webhook.status = 200
    await runCron()
    await runCron()
    expect(webhook.alerts.map((a) => a.text.slice(0, 9))).toEqual([':warning:', ':warning:'])
  })
})
