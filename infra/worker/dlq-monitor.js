// @ts-check
/**
 * DLQ monitor: a Cloudflare Worker (ES module, cron-triggered) that reports new QStash dead
 * letters to a Slack-compatible webhook. Uploaded verbatim by the DlqAlerts component, so it
 * has no imports. It runs apart from the app on purpose: it must alert when the app is down.
 *
 * Each run: read the cursor from KV → list dead letters since then (`GET /v2/dlq`, following
 * `cursor` pages) → post ONE summary → advance the cursor only if the webhook answered 2xx.
 * A failed alert leaves the cursor alone, so the next run reports the same letters again.
 *
 * A monitor that cannot read the DLQ must not fail silently: its own health (in the same KV)
 * turns `failing` at once on 401/403 (wrong token or region: retrying cannot help) or after
 * FAILING_AFTER_RUNS failed runs in a row otherwise, and it alerts once on that change and
 * once on recovery, never on every run.
 */

/**
 * @typedef {object} KVNamespaceLike
 * @property {(key: string) => Promise<string | null>} get
 * @property {(key: string, value: string) => Promise<void>} put
 *
 * @typedef {object} Env
 * @property {KVNamespaceLike} DLQ_STATE  where the cursor lives
 * @property {string} QSTASH_URL          region's REST base URL
 * @property {string} QSTASH_TOKEN        secret
 * @property {string} ALERT_WEBHOOK_URL   secret
 * @property {string} [URL_GROUP]         only report this URL group's dead letters
 *
 * @typedef {object} DeadLetter
 * @property {string} dlqId
 * @property {string} messageId
 * @property {string} [url]
 * @property {string} [topicName]
 * @property {number} [responseStatus]
 * @property {number} createdAt           unix ms
 *
 * @typedef {object} Cursor  what was already reported
 * @property {number} since               createdAt of the newest reported letter (fromDate is inclusive)
 * @property {string[]} seen              dlqIds reported with exactly that createdAt
 *
 * @typedef {object} Health  the monitor's own state
 * @property {number} failures            failed runs in a row
 * @property {number} [failingSince]      unix ms of the first of them
 * @property {boolean} alerted            a "monitor is failing" alert was delivered
 *
 * @typedef {{ status: 'quiet' | 'alerted' | 'qstash-error' | 'alert-failed', count: number }} RunResult
 */

const CURSOR_KEY = 'dlq-cursor'
const HEALTH_KEY = 'dlq-monitor-health'
// Transient QStash errors (5xx, network) alert after this many failed runs in a row
// (15 minutes at the default schedule); 401/403 alert on the first.
const FAILING_AFTER_RUNS = 3
const PAGE_SIZE = 100
// Bounded work per run; anything beyond is reported by the next run (the cursor only moves
// past what was actually reported).
const MAX_PAGES = 20
const LISTED_IN_ALERT = 5

export default {
  /**
   * @param {unknown} _controller
   * @param {Env} env
   */
  async scheduled(_controller, env) {
    const result = await runOnce(env)
    console.log(`dlq-monitor: ${result.status} (${result.count} new)`)
  },
}

/**
 * One monitoring pass. Never throws: a failing QStash or webhook is logged and retried on the
 * next cron tick rather than crashing the invocation.
 * @param {Env} env
 * @returns {Promise<RunResult>}
 */
async function runOnce(env) {
  const cursor = await readCursor(env)
  /** @type {DeadLetter[]} */
  let letters
  try {
    letters = await listNewDeadLetters(env, cursor)
  } catch (err) {
    console.error(`dlq-monitor: listing the DLQ failed: ${errorText(err)}`)
    await recordFailure(env, err)
    return { status: 'qstash-error', count: 0 }
  }
  await recordSuccess(env)
  if (letters.length === 0) return { status: 'quiet', count: 0 }

  if (!(await postAlert(env, alertPayload(letters, env.URL_GROUP)))) return { status: 'alert-failed', count: letters.length }

  await env.DLQ_STATE.put(CURSOR_KEY, JSON.stringify(advance(cursor, letters)))
  return { status: 'alerted', count: letters.length }
}

/**
 * Posts one message to the alert webhook; true when it answered 2xx.
 * @param {Env} env
 * @param {{ text: string }} payload
 */
async function postAlert(env, payload) {
  try {
    const res = await fetch(env.ALERT_WEBHOOK_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    })
    if (!res.ok) console.error(`dlq-monitor: alert webhook answered HTTP ${res.status}`)
    return res.ok
  } catch (err) {
    console.error(`dlq-monitor: alert webhook unreachable: ${errorText(err)}`)
    return false
  }
}

/** @param {unknown} err */
function errorText(err) {
  return err instanceof Error ? err.message : String(err)
}

/**
 * @param {Env} env
 * @returns {Promise<Health>}
 */
async function readHealth(env) {
  const raw = await env.DLQ_STATE.get(HEALTH_KEY)
  try {
    const parsed = raw ? JSON.parse(raw) : undefined
    if (parsed && typeof parsed.failures === 'number' && typeof parsed.alerted === 'boolean') return parsed
  } catch {
    // a corrupt record counts as healthy: worst case one alert comes a few runs late
  }
  return { failures: 0, alerted: false }
}

/**
 * Counts a failed run; alerts once when the monitor turns failing. An alert the webhook did
 * not take is tried again on the next failing run.
 * @param {Env} env
 * @param {unknown} err
 */
async function recordFailure(env, err) {
  const health = await readHealth(env)
  /** @type {unknown} */
  const status = err instanceof Error && 'status' in err ? err.status : undefined
  const rejected = status === 401 || status === 403
  const next = { ...health, failures: health.failures + 1, failingSince: health.failingSince ?? Date.now() }
  if (!next.alerted && (rejected || next.failures >= FAILING_AFTER_RUNS)) {
    next.alerted = await postAlert(env, failingPayload(env, errorText(err), rejected, next.failures))
  }
  await env.DLQ_STATE.put(HEALTH_KEY, JSON.stringify(next))
}

/**
 * Clears the failure count; says once that the monitor works again if it had alerted.
 * @param {Env} env
 */
async function recordSuccess(env) {
  const health = await readHealth(env)
  if (health.failures === 0) return
  if (health.alerted) {
    const since = health.failingSince ? new Date(health.failingSince).toISOString() : 'an earlier run'
    const text = `:white_check_mark: The QStash DLQ monitor${groupSuffix(env.URL_GROUP)} can read the DLQ again (failing since ${since}). Dead letters are reported again, starting with any that arrived meanwhile.`
    // Not delivered: keep the record, so the next run says it again.
    if (!(await postAlert(env, { text }))) return
  }
  await env.DLQ_STATE.put(HEALTH_KEY, JSON.stringify({ failures: 0, alerted: false }))
}

/**
 * @param {Env} env
 * @param {string} error
 * @param {boolean} rejected  QStash answered 401/403
 * @param {number} failures
 */
function failingPayload(env, error, rejected, failures) {
  const fix = rejected
    ? 'Fix: QStash rejected the monitor’s token. Set the QStash token of this region (`pulumi config set --secret upload-webhooks:qstashToken <token>`), check `upload-webhooks:qstashRegion` matches it, then `pulumi up`.'
    : `Fix: it failed ${failures} runs in a row; check status.upstash.com and the worker’s logs (\`wrangler tail\`). It keeps retrying and will say when it recovers.`
  return {
    text: [
      `:warning: The QStash DLQ monitor${groupSuffix(env.URL_GROUP)} cannot read the DLQ: ${error}.`,
      'Dead letters are NOT being reported until this is fixed.',
      fix,
    ].join('\n'),
  }
}

/** @param {string | undefined} urlGroup */
function groupSuffix(urlGroup) {
  return urlGroup ? ` for URL group \`${urlGroup}\`` : ''
}

/**
 * @param {Env} env
 * @returns {Promise<Cursor | undefined>}
 */
async function readCursor(env) {
  const raw = await env.DLQ_STATE.get(CURSOR_KEY)
  if (!raw) return undefined
  try {
    const parsed = JSON.parse(raw)
    if (typeof parsed.since === 'number' && Array.isArray(parsed.seen)) return parsed
  } catch {
    // fall through: a corrupt cursor is treated as none (worst case: one repeated alert)
  }
  return undefined
}

/**
 * Dead letters created since the cursor, oldest first, each once.
 * @param {Env} env
 * @param {Cursor | undefined} cursor
 * @returns {Promise<DeadLetter[]>}
 */
async function listNewDeadLetters(env, cursor) {
  const seen = new Set(cursor?.seen ?? [])
  /** @type {Map<string, DeadLetter>} */
  const found = new Map()
  /** @type {string | undefined} */
  let page
  for (let i = 0; i < MAX_PAGES; i++) {
    const url = new URL('/v2/dlq', env.QSTASH_URL)
    url.searchParams.set('count', String(PAGE_SIZE))
    url.searchParams.set('order', 'earliestFirst')
    if (cursor) url.searchParams.set('fromDate', String(cursor.since))
    if (env.URL_GROUP) url.searchParams.set('topicName', env.URL_GROUP)
    if (page) url.searchParams.set('cursor', page)

    const res = await fetch(url, { headers: { authorization: `Bearer ${env.QSTASH_TOKEN}` } })
    if (!res.ok) throw Object.assign(new Error(`GET /v2/dlq answered HTTP ${res.status}`), { status: res.status })
    const body = /** @type {{ messages?: DeadLetter[], cursor?: string }} */ (await res.json())

    for (const m of body.messages ?? []) {
      const isOld = cursor && (m.createdAt < cursor.since || (m.createdAt === cursor.since && seen.has(m.dlqId)))
      if (!isOld) found.set(m.dlqId, m)
    }
    if (!body.cursor) break
    page = body.cursor
  }
  return [...found.values()].sort((a, b) => a.createdAt - b.createdAt)
}

/**
 * The cursor after reporting `letters` (non-empty).
 * @param {Cursor | undefined} cursor
 * @param {DeadLetter[]} letters
 * @returns {Cursor}
 */
function advance(cursor, letters) {
  const since = Math.max(cursor?.since ?? 0, ...letters.map((m) => m.createdAt))
  const seen = letters.filter((m) => m.createdAt === since).map((m) => m.dlqId)
  // Letters at the same millisecond as the previous cursor were reported before too.
  if (cursor && cursor.since === since) seen.push(...cursor.seen)
  return { since, seen: [...new Set(seen)] }
}

/**
 * Slack-compatible message (`text` with mrkdwn) summarising the new dead letters.
 * @param {DeadLetter[]} letters
 * @param {string | undefined} urlGroup
 */
function alertPayload(letters, urlGroup) {
  const n = letters.length
  const head = `:rotating_light: ${n} new QStash dead letter${n === 1 ? '' : 's'}${urlGroup ? ` in URL group \`${urlGroup}\`` : ''}`
  const lines = letters.slice(0, LISTED_IN_ALERT).map((m) => {
    const status = typeof m.responseStatus === 'number' && m.responseStatus > 0 ? `HTTP ${m.responseStatus}` : 'no response'
    return `• \`${m.messageId}\` → ${m.url ?? '(unknown url)'} — ${status}`
  })
  if (n > LISTED_IN_ALERT) lines.push(`…and ${n - LISTED_IN_ALERT} more.`)
  lines.push('Inspect or republish them in the Upstash console (QStash → DLQ).')
  return { text: [head, ...lines].join('\n') }
}
