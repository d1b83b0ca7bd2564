// QStash's REST API through @upstash/qstash's Client (dead-letter queue) and GET /v2/keys, with errors that name the fix.
import { Client, QstashError } from '@upstash/qstash'
import { CliError } from './output.js'

const DEFAULT_QSTASH_URL = 'https://qstash.upstash.io'

export interface QStashAccess {
  client: Client
  /** Region base URL, without a trailing slash. */
  baseUrl: string
  token: string
}

/** `QSTASH_TOKEN` and `QSTASH_URL` (the region's base URL; default the EU one the client defaults to). */
export function qstashAccess(env: NodeJS.ProcessEnv = process.env): QStashAccess {
  const token = env.QSTASH_TOKEN?.trim()
  if (!token) {
    throw new CliError(
      'QSTASH_TOKEN is not set',
      'export QSTASH_TOKEN (Upstash console → QStash → Request builder / env), and QSTASH_URL for its region if not EU',
    )
  }
  const baseUrl = (env.QSTASH_URL?.trim() || DEFAULT_QSTASH_URL).replace(/\/+$/, '')
  try {
    new URL(baseUrl)
  } catch {
    throw new CliError(`QSTASH_URL is not a URL: "${baseUrl}"`, 'set QSTASH_URL to your region, e.g. https://qstash-us-east-1.upstash.io')
  }
  quietClientLogs()
  // Dev mode off: QSTASH_DEV must never turn this into a local dev server. Two retries on network errors only.
  const client = new Client({ token, baseUrl, devMode: false, enableTelemetry: false, retry: { retries: 2, backoff: (n) => 200 * 2 ** n } })
  return { client, baseUrl, token }
}

let quieted = false
/** The client logs each failed call to the console; the CLI prints its own error naming the fix instead. */
function quietClientLogs() {
  if (quieted) return
  quieted = true
  for (const level of ['warn', 'error'] as const) {
    const original = console[level].bind(console)
    console[level] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].startsWith('[Upstash QStash]')) return
      original(...args)
    }
  }
}

/** Translates what a QStash call threw into a CliError for people. */
export function qstashError(error: unknown, access: Pick<QStashAccess, 'baseUrl'>, doing: string): CliError {
  if (error instanceof CliError) return error
  if (error instanceof QstashError) {
    const status = error.status
    const said = error.message.slice(0, 200)
    if (status === 401 || status === 403) {
      return new CliError(
        `QStash refused the token while ${doing} (${status}: ${said})`,
        `set QSTASH_TOKEN to this account's token, and QSTASH_URL to the region it belongs to (now ${access.baseUrl})`,
      )
    }
    if (status === 404)
      return new CliError(`QStash found no such item while ${doing} (404: ${said})`, 'check the ID with `upload-webhooks dlq list`')
    if (status === 429) return new CliError(`QStash rate-limited ${doing} (429)`, 'wait a moment and run it again')
    if (status !== undefined && status >= 500) {
      return new CliError(
        `QStash failed while ${doing} (${status}: ${said})`,
        'a QStash-side error: run it again in a minute (status.upstash.com)',
      )
    }
    return new CliError(`QStash answered ${status ?? 'an error'} while ${doing}: ${said}`)
  }
  const cause = (error as { cause?: { code?: string } }).cause?.code
  return new CliError(
    `cannot reach QStash at ${access.baseUrl} while ${doing}${cause ? ` (${cause})` : ''}: ${(error as Error).message}`,
    'check your connection and QSTASH_URL (the region base URL, e.g. https://qstash.upstash.io)',
  )
}

export interface AccountKeys {
  current: string
  next: string
}

/** `GET /v2/keys`: the account's current and next signing keys (the client has no call for it). */
export async function fetchAccountKeys(access: QStashAccess): Promise<AccountKeys> {
  let response: Response
  try {
    response = await fetch(`${access.baseUrl}/v2/keys`, {
      headers: { authorization: `Bearer ${access.token}` },
      signal: AbortSignal.timeout(15_000),
    })
  } catch (error) {
    throw qstashError(error, access, 'reading the signing keys')
  }
  const text = await response.text()
  if (!response.ok)
    throw qstashError(new QstashError(text || `status ${response.status}`, response.status), access, 'reading the signing keys')
  let keys: Partial<AccountKeys>
  try {
    keys = JSON.parse(text) as Partial<AccountKeys>
  } catch {
    keys = {}
  }
  if (typeof keys.current !== 'string' || typeof keys.next !== 'string') {
    throw new CliError(`QStash's GET /v2/keys answer has no current/next keys: ${text.slice(0, 200)}`, 'check QSTASH_URL points at QStash')
  }
  return { current: keys.current, next: keys.next }
}
