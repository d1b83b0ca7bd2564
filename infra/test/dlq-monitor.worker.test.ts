import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { dlqMonitorSource } from '../src/dlq-monitor-source.js'

// The worker runs in workerd (miniflare 3); every fetch it makes reaches `outbound` below,
// which plays QStash's DLQ API and the alert webhook.

const QSTASH = 'https://qstash.test'
const TOKEN = 'qstash-worker-token'
const ALERT_URL = 'https://hooks.test/services/alert'
const PAGE = 3 // small pages so a handful of letters spans several

interface Letter {
  dlqId: string
  messageId: string
  url: string
  topicName: string
  responseStatus?: number
  createdAt: number
}

const fake = {
  dlq: [] as Letter[],
  qstashStatus: 200,
  alertStatus: 200,
  alerts: [] as { text: string }[],
  dlqQueries: [] as URLSearchParams[],
}

function letter(i: number, createdAt = 1_700_000_000_000 + i * 1000): Letter {
  return {
    dlqId: `dlq_${i}`,
    messageId: `msg_${i}`,
    url: `https://app.example.com/hook/${i}`,
    topicName: 'uploads',
    responseStatus: 500 + (i % 3),
    createdAt,
  }
}

async function outbound(request: Request): Promise<Response> {
  const url = new URL(request.url)
  if (url.origin === QSTASH && url.pathname === '/v2/dlq') {
    fake.dlqQueries.push(url.searchParams)
    if (request.headers.get('authorization') !== `Bearer ${TOKEN}`) return Response.json({ error: 'unauthorized' }, { status: 401 })
    if (fake.qstashStatus !== 200) return new Response('qstash is down', { status: fake.qstashStatus })
    const from = Number(url.searchParams.get('fromDate') ?? 0)
    const topic = url.searchParams.get('topicName')
    const matching = fake.dlq
      .filter((m) => m.createdAt >= from && (!topic || m.topicName === topic))
      .sort((a, b) => a.createdAt - b.createdAt)
    const start = Number(url.searchParams.get('cursor') ?? 0)
    const page = matching.slice(start, start + PAGE)
    const next = start + PAGE < matching.length ? String(start + PAGE) : undefined
    return Response.json(next ? { messages: page, cursor: next } : { messages: page })
  }
  if (request.url === ALERT_URL && request.method === 'POST') {
    fake.alerts.push((await request.json()) as { text: string })
    return new Response(fake.alertStatus === 200 ? 'ok' : 'nope', { status: fake.alertStatus })
  }
  return new Response(`unexpected ${request.method} ${request.url}`, { status: 599 })
}

let mf: Miniflare
beforeAll(async () => {
  mf = new Miniflare({
    modules: true,
    script: dlqMonitorSource(),
    compatibilityDate: '2024-09-23',
    kvNamespaces: ['DLQ_STATE'],
    bindings: { QSTASH_URL: QSTASH, QSTASH_TOKEN: TOKEN, ALERT_WEBHOOK_URL: ALERT_URL, URL_GROUP: 'uploads' },
    outboundService: outbound,
  })
  await mf.ready
})
afterAll(async () => {
  await mf?.dispose()
})
beforeEach(async () => {
  Object.assign(fake, { dlq: [], qstashStatus: 200, alertStatus: 200, alerts: [], dlqQueries: [] })
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
    expect(fake.alerts).toEqual([])
    expect(await cursor()).toBeNull()
    expect(fake.dlqQueries).toHaveLength(1)
    expect(fake.dlqQueries[0]?.get('topicName')).toBe('uploads')
  })

  it('reports N letters spread over pages in ONE alert, then advances the cursor', async () => {
    fake.dlq = Array.from({ length: 7 }, (_, i) => letter(i + 1))
    expect(await runCron()).toBe('ok')

    expect(fake.dlqQueries.map((q) => q.get('cursor'))).toEqual([null, '3', '6'])
    expect(fake.alerts).toHaveLength(1)
    const text = fake.alerts[0]!.text
    expect(text).toMatch(/^:rotating_light: 7 new QStash dead letters in URL group `uploads`/)
    for (const i of [1, 2, 3, 4, 5]) expect(text).toContain(`\`msg_${i}\` → https://app.example.com/hook/${i} — HTTP ${500 + (i % 3)}`)
    expect(text).not.toContain('msg_6')
    expect(text).toContain('…and 2 more.')
    expect(await cursor()).toEqual({ since: letter(7).createdAt, seen: ['dlq_7'] })

    // Nothing new: the next run asks from the cursor on and stays quiet.
    expect(await runCron()).toBe('ok')
    expect(fake.dlqQueries.at(-1)?.get('fromDate')).toBe(String(letter(7).createdAt))
    expect(fake.alerts).toHaveLength(1)
  })

  it('reports only letters newer than the cursor, including one in the same millisecond', async () => {
    fake.dlq = [letter(1), letter(2)]
    await runCron()
    fake.dlq.push({ ...letter(3), createdAt: letter(2).createdAt }, letter(4))
    await runCron()
    expect(fake.alerts).toHaveLength(2)
    expect(fake.alerts[1]!.text).toMatch(/^:rotating_light: 2 new QStash dead letters/)
    expect(fake.alerts[1]!.text).toContain('msg_3')
    expect(fake.alerts[1]!.text).not.toContain('msg_2')
    expect(await cursor()).toEqual({ since: letter(4).createdAt, seen: ['dlq_4'] })
  })

  it('keeps the cursor when the alert webhook fails, so the next run alerts again', async () => {
    fake.dlq = [letter(1), letter(2)]
    fake.alertStatus = 500
    expect(await runCron()).toBe('ok')
    expect(fake.alerts).toHaveLength(1)
    expect(await cursor()).toBeNull()

    fake.alertStatus = 200
    await runCron()
    expect(fake.alerts).toHaveLength(2)
    expect(fake.alerts[1]!.text).toMatch(/^:rotating_light: 2 new QStash dead letters/)
    expect(await cursor()).toEqual({ since: letter(2).createdAt, seen: ['dlq_2'] })
  })

  it('survives QStash answering 500: no crash, no alert, cursor untouched', async () => {
    fake.dlq = [letter(1)]
    await runCron()
    const before = await cursor()
    fake.dlq.push(letter(2))
    fake.qstashStatus = 500
    expect(await runCron()).toBe('ok')
    expect(fake.alerts).toHaveLength(1)
    expect(await cursor()).toEqual(before)
  })

  it('singular wording and "no response" for letters without a status', async () => {
    fake.dlq = [{ ...letter(1), responseStatus: undefined } as Letter]
    await runCron()
    expect(fake.alerts[0]!.text).toMatch(/^:rotating_light: 1 new QStash dead letter in/)
    expect(fake.alerts[0]!.text).toContain('— no response')
  })

  it.each([401, 403])('alerts ONCE when QStash answers %i (wrong token or region), and once on recovery', async (status) => {
    fake.qstashStatus = status
    expect(await runCron()).toBe('ok')
    expect(fake.alerts).toHaveLength(1)
    const text = fake.alerts[0]!.text
    expect(text).toMatch(
      new RegExp(`^:warning: The QStash DLQ monitor for URL group \`uploads\` cannot read the DLQ: GET /v2/dlq answered HTTP ${status}\\.`),
    )
    expect(text).toContain('Dead letters are NOT being reported')
    expect(text).toContain('pulumi config set --secret upload-webhooks:qstashToken')

    // Still failing: silence, not an alert every 5 minutes.
    await runCron()
    await runCron()
    expect(fake.alerts).toHaveLength(1)

    // Fixed: one recovery message, and the letters that arrived meanwhile are reported.
    fake.qstashStatus = 200
    fake.dlq = [letter(1)]
    await runCron()
    expect(fake.alerts.map((a) => a.text.split(' ')[0])).toEqual([':warning:', ':white_check_mark:', ':rotating_light:'])
    expect(fake.alerts[1]!.text).toMatch(/can read the DLQ again \(failing since \d{4}-\d\d-\d\dT/)
    await runCron()
    expect(fake.alerts).toHaveLength(3)
  })

  it('a transient 5xx is retried quietly; a lasting one alerts once after 3 failed runs in a row', async () => {
    fake.qstashStatus = 503
    await runCron()
    fake.qstashStatus = 200
    await runCron()
    expect(fake.alerts).toEqual([]) // one failure, then recovered: never alerted, nothing to say

    fake.qstashStatus = 500
    await runCron()
    await runCron()
    expect(fake.alerts).toEqual([])
    await runCron()
    expect(fake.alerts).toHaveLength(1)
    expect(fake.alerts[0]!.text).toMatch(/^:warning: .*HTTP 500\.\nDead letters are NOT being reported.*\nFix: it failed 3 runs in a row/s)
    await runCron()
    expect(fake.alerts).toHaveLength(1)
    fake.qstashStatus = 200
    await runCron()
    expect(fake.alerts).toHaveLength(2)
    expect(fake.alerts[1]!.text).toMatch(/^:white_check_mark: /)
  })

  it('a failing-monitor alert the webhook refused is sent again on the next run', async () => {
    fake.qstashStatus = 401
    fake.alertStatus = 500
    await runCron()
    fake.alertStatus = 200
    await runCron()
    await runCron()
    expect(fake.alerts.map((a) => a.text.slice(0, 9))).toEqual([':warning:', ':warning:'])
  })
})
