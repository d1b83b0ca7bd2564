// `upload-webhooks keys` as a child process against a local server shaped like QStash's API (GET /v2/keys).
import { createHash } from 'node:crypto'
import { devSigningKeys } from '@upload-webhooks/core/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LocalQStash } from '../../../infra/local/qstash.js'
import { runCli } from './support/run-cli.js'

const TOKEN = 'qstash_test_token'
let qstash: LocalQStash
let env: Record<string, string>

beforeEach(async () => {
  qstash = new LocalQStash({
    token: TOKEN,
    signingKeys: { current: 'sig_account_current_key', next: 'sig_account_next_key' },
    deliver: false,
  })
  env = { QSTASH_TOKEN: TOKEN, QSTASH_URL: await qstash.listen() }
})
afterEach(() => qstash.close())

const fingerprint = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`

describe('keys', () => {
  it('matching keys: exit 0, both roles match, only fingerprints printed', async () => {
    const run = await runCli(['keys', '--json'], {
      ...env,
      QSTASH_CURRENT_SIGNING_KEY: 'sig_account_current_key',
      QSTASH_NEXT_SIGNING_KEY: 'sig_account_next_key',
    })
    expect(run.code).toBe(0)
    const result = run.json()
    expect(result).toMatchObject({ ok: true, compared: true, account: { current: fingerprint('sig_account_current_key') } })
    expect(result.keys.slice(0, 2)).toMatchObject([
      { sender: 'qstash', role: 'current', source: 'QSTASH_CURRENT_SIGNING_KEY', matches: true },
      { sender: 'qstash', role: 'next', source: 'QSTASH_NEXT_SIGNING_KEY', matches: true },
    ])
    expect(run.stdout).not.toContain('sig_account_')
  })

  it('the dev keys against a real account: exit 1, a table that says NO', async () => {
    const run = await runCli(['keys'], env)
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^qstash +current +public dev key +sha256:[0-9a-f]{16} +sha256:[0-9a-f]{16} +NO$/m)
    expect(run.stdout).toContain('The public dev keys are in use')
    expect(run.stdout).not.toContain(devSigningKeys.currentSigningKey)
  })

  it('keys rotated on QStash only: says so', async () => {
    const run = await runCli(['keys'], {
      ...env,
      QSTASH_CURRENT_SIGNING_KEY: 'sig_old_current',
      QSTASH_NEXT_SIGNING_KEY: 'sig_account_current_key',
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain("QStash's keys were rotated")
  })

  it('lists the HMAC senders secrets that are set, by fingerprint', async () => {
    const run = await runCli(['keys', '--local', '--json'], { SONUSLAB_WEBHOOK_SECRET: 'whs_sonuslab_secret' })
    expect(run.code).toBe(0)
    expect(run.json()).toMatchObject({ compared: false })
    expect(run.json().keys).toContainEqual(
      expect.objectContaining({
        sender: 'sonuslab',
        role: 'secret',
        source: 'SONUSLAB_WEBHOOK_SECRET',
        fingerprint: fingerprint('whs_sonuslab_secret'),
      }),
    )
    expect(run.stdout).not.toContain('whs_sonuslab_secret')
  })

  it('without QSTASH_TOKEN: exit 1 naming the variable (or --local)', async () => {
    const run = await runCli(['keys'], {})
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('QSTASH_TOKEN is not set')
    expect(run.stderr).toContain('--local')
  })

  it('a rejected token and a 5xx each exit 1 with the fix', async () => {
    const unauthorized = await runCli(['keys'], { ...env, QSTASH_TOKEN: 'nope' })
    expect(unauthorized.code).toBe(1)
    expect(unauthorized.stderr).toContain('QStash refused the token while reading the signing keys (401')
    qstash.fail = () => 502
    const down = await runCli(['keys', '--json'], env)
    expect(down.code).toBe(1)
    expect(down.json().error.message).toContain('QStash failed while reading the signing keys (502')
  })
})
