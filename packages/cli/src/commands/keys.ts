// `upload-webhooks keys`: fingerprints of the local signing keys and the QStash account's, and whether they match.
import type { Command } from 'commander'
import { action } from '../action.js'
import { CliError, painter, printJson, table } from '../output.js'
import { type AccountKeys, fetchAccountKeys, qstashAccess } from '../qstash.js'
import { senderModule, senderNames } from '../senders.js'
import { fingerprint, type KeyFlags, type ResolvedKey, resolveKeys } from '../signing-keys.js'

interface KeysOptions extends Pick<KeyFlags, 'currentKey' | 'nextKey'> {
  local?: boolean
  json?: boolean
}

interface KeyRow {
  sender: string
  role: 'current' | 'next' | 'secret'
  source: string
  dev: boolean
  fingerprint: string
  /** QStash keys: the account's fingerprint for the same role, and whether it is the same key. */
  account?: string
  matches?: boolean
}

export function registerKeys(program: Command): void {
  program
    .command('keys')
    .description("fingerprints of the local signing keys and of the QStash account's current and next keys, and whether they match")
    .option('--current-key <key>', 'compare this instead of QSTASH_CURRENT_SIGNING_KEY')
    .option('--next-key <key>', 'compare this instead of QSTASH_NEXT_SIGNING_KEY')
    .option('--local', 'only the local fingerprints; do not ask QStash (no QSTASH_TOKEN needed)')
    .option('--json', 'print JSON for scripts')
    .addHelpText(
      'after',
      `
Local keys come from the variables core's verifiers read (unset: the public dev keys). The account's come
from QStash's GET /v2/keys (QSTASH_TOKEN, QSTASH_URL). Only SHA-256 fingerprints are printed, never keys.
Run it where the server runs and where you sign, and compare. Exit code 1 when a QStash key differs.`,
    )
    .action(action(keys))
}

function localRows(options: KeysOptions): { rows: KeyRow[]; qstash: { current: ResolvedKey; next: ResolvedKey } } {
  const rows: KeyRow[] = []
  const qstashKeys = resolveKeys(senderModule('qstash'), { currentKey: options.currentKey, nextKey: options.nextKey })
  const row = (sender: string, role: KeyRow['role'], key: ResolvedKey): KeyRow => ({
    sender,
    role,
    source: key.source,
    dev: key.dev,
    fingerprint: fingerprint(key.value),
  })
  rows.push(row('qstash', 'current', qstashKeys.signing), row('qstash', 'next', qstashKeys.next!))
  // The HMAC senders' secrets only when set: their dev secrets say nothing about a deployment.
  for (const name of senderNames.filter((sender) => sender !== 'qstash')) {
    const key = resolveKeys(senderModule(name), {}).signing
    if (!key.dev) rows.push(row(name, 'secret', key))
  }
  return { rows, qstash: { current: qstashKeys.signing, next: qstashKeys.next! } }
}

function compare(rows: KeyRow[], account: AccountKeys): void {
  for (const row of rows) {
    if (row.sender !== 'qstash') continue
    row.account = fingerprint(row.role === 'current' ? account.current : account.next)
    row.matches = row.account === row.fingerprint
  }
}

async function keys(options: KeysOptions): Promise<number> {
  const { rows } = localRows(options)
  let account: AccountKeys | undefined
  if (!options.local) {
    if (!process.env.QSTASH_TOKEN?.trim()) {
      throw new CliError(
        "QSTASH_TOKEN is not set, so the account's keys cannot be read",
        'export QSTASH_TOKEN (and QSTASH_URL for its region), or pass --local for the local fingerprints only',
      )
    }
    account = await fetchAccountKeys(qstashAccess())
  }
  if (account) compare(rows, account)
  const mismatched = rows.filter((row) => row.matches === false)
  const ok = mismatched.length === 0

  if (options.json) {
    printJson({
      ok,
      compared: account !== undefined,
      ...(account ? { account: { current: fingerprint(account.current), next: fingerprint(account.next) } } : {}),
      keys: rows,
    })
    return ok ? 0 : 1
  }
  const paint = painter(process.stdout)
  const cells = rows.map((row) => [
    row.sender,
    row.role,
    row.dev ? paint('yellow', row.source) : row.source,
    row.fingerprint,
    row.account ?? paint('grey', '—'),
    row.matches === undefined ? paint('grey', '—') : row.matches ? paint('green', 'yes') : paint('red', 'NO'),
  ])
  console.log(table(['SENDER', 'KEY', 'FROM', 'LOCAL', 'QSTASH ACCOUNT', 'MATCH'], cells, paint))
  if (rows.some((row) => row.dev)) console.log(paint('yellow', '\nThe public dev keys are in use: only dev servers accept them.'))
  if (!account) console.log(paint('grey', '\nNot compared with the account (--local).'))
  if (!ok) {
    // A rotation makes the next key current and adds a fresh next: the local next is then the account's current.
    const rotated = account !== undefined && rows[1]!.fingerprint === fingerprint(account.current)
    const fix = rotated
      ? "QStash's keys were rotated since these were set (the local next key is the account's current one)"
      : "The local QStash keys differ from the account's"
    console.log(
      paint(
        'red',
        `\n${fix}: set QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY to the account's keys (Upstash console → QStash → Signing keys, or the infra stack outputs).`,
      ),
    )
  }
  return ok ? 0 : 1
}
