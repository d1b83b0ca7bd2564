// `upload-webhooks send` as a child process against the Express example in the states it must diagnose.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { devSigningKeys, senders as registry } from '@upload-webhooks/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listReceived } from '../../../examples/express/src/received.js'
import { freePort } from '../../../test/support/redis-server.js'
import { knownEvents } from '../src/payloads.js'
import {
  everySenderServer,
  healthyExample,
  jsonParserFirst,
  type RunningServer,
  type Seen,
  soleSenderServer,
  storeDownExample,
  wrongUrlExample,
} from './support/example-servers.js'
import { runCli } from './support/run-cli.js'

let healthy: RunningServer
let parserFirst: RunningServer
let wrongUrl: RunningServer
let storeDown: RunningServer
let everySender: RunningServer
const seen: Seen[] = []

beforeAll(async () => {
  ;[healthy, parserFirst, wrongUrl, storeDown] = await Promise.all([
    healthyExample(),
    jsonParserFirst(),
    wrongUrlExample('https://hooks.example.com/api/webhooks/upload'),
    storeDownExample(),
  ])
  everySender = await everySenderServer(seen)
})
afterAll(() => Promise.all([healthy, parserFirst, wrongUrl, storeDown, everySender].map((server) => server?.close())))

describe('send to the healthy example', () => {
  it('delivers once, then the repeat is answered duplicate, and the handler saw the default payload', async () => {
    const run = await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--repeat', '2', '--id', 'msg_cli_test_repeat', '--json'])
    expect(run.code).toBe(0)
    const result = run.json()
    expect(result).toMatchObject({ ok: true, sender: 'qstash', event: 'onUploadComplete', deliveryId: 'msg_cli_test_repeat' })
    expect(result.attempts.map((a: any) => `${a.status} ${a.outcome}`)).toEqual(['200 processed', '200 duplicate'])
    expect(result.signingKey).toMatchObject({ source: 'public dev key', dev: true })
    expect(run.stderr).toContain('QSTASH_CURRENT_SIGNING_KEY is not set')
    const saved = listReceived().uploads.filter((upload) => upload.deliveryId === 'msg_cli_test_repeat')
    expect(saved).toHaveLength(1)
    expect(saved[0]).toMatchObject({ attempt: 0, file: { name: 'photo.jpg', contentType: 'image/jpeg' } })
  })

  it('--data file.fileName renames the key and URL and sets the content type to match, unless --data gives them', async () => {
    const data = JSON.stringify({ file: { fileName: 'notes.txt' } })
    const run = await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--id', 'msg_cli_test_name', '--data', data])
    expect(run.code).toBe(0)
    expect(listReceived().uploads.find((upload) => upload.deliveryId === 'msg_cli_test_name')?.file).toMatchObject({
      name: 'notes.txt',
      key: 'uploads/cli_1/notes.txt',
      url: 'https://cdn.uploadkit.dev/uploads/cli_1/notes.txt',
      contentType: 'text/plain',
    })
    const kept = JSON.stringify({ file: { fileName: 'a.png', key: 'mine/a.png', contentType: 'image/x-mine' } })
    await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--id', 'msg_cli_test_kept', '--data', kept])
    expect(listReceived().uploads.find((upload) => upload.deliveryId === 'msg_cli_test_kept')?.file).toMatchObject({
      key: 'mine/a.png',
      url: 'https://cdn.uploadkit.dev/uploads/cli_1/a.png',
      contentType: 'image/x-mine',
    })
  })

  it('--tamper changes the body after signing: exit 0 when the endpoint refuses it with 401, and no handler ran', async () => {
    const run = await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--id', 'msg_cli_test_tamper', '--tamper'])
    expect(run.stdout).toMatch(/401 body_hash_mismatch/)
    expect(run.stdout).toContain('refused as it should be')
    expect(run.code).toBe(0)
    expect(listReceived().uploads.some((upload) => upload.deliveryId === 'msg_cli_test_tamper')).toBe(false)
  })

  it('merges --data over the default payload (objects merge, values replace)', async () => {
    const data = JSON.stringify({ file: { fileName: 'report.pdf', fileSize: 42 }, metadata: { userId: 'u_cli' } })
    const run = await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--id', 'msg_cli_test_data', '--data', data])
    expect(run.code).toBe(0)
    const saved = listReceived().uploads.find((upload) => upload.deliveryId === 'msg_cli_test_data')
    expect(saved).toMatchObject({
      file: { name: 'report.pdf', size: 42, contentType: 'application/pdf' },
      metadata: { userId: 'u_cli', category: 'avatar' },
    })
  })

  it('qstash.failure sends the QStash failure-callback body, which core types by its sourceMessageId', async () => {
    const run = await runCli(['send', 'qstash.failure', '--to', healthy.url, '--id', 'msg_cli_test_failure'])
    expect(run.code).toBe(0)
    expect(listReceived().failures.find((failure) => failure.deliveryId === 'msg_cli_test_failure')).toMatchObject({
      sourceMessageId: 'msg_cli_gave_up_after_3_retries',
      status: 500,
    })
  })

  it('reads --data @file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-data-'))
    try {
      writeFileSync(join(dir, 'upload.json'), JSON.stringify({ file: { fileName: 'from-file.png' } }))
      const run = await runCli([
        'send',
        'onUploadComplete',
        '--to',
        healthy.url,
        '--id',
        'msg_cli_test_file',
        '--data',
        `@${join(dir, 'upload.json')}`,
      ])
      expect(run.code).toBe(0)
      expect(listReceived().uploads.find((upload) => upload.deliveryId === 'msg_cli_test_file')?.file.name).toBe('from-file.png')
      const missing = await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--data', `@${join(dir, 'nope.json')}`])
      expect(missing.code).toBe(1)
      expect(missing.stderr).toContain('cannot read --data file')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('prints one line per attempt for people, coloured only when asked', async () => {
    const plain = await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--repeat', '2'])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/^1 +200 processed +\d+ ms$/m)
    expect(plain.stdout).toMatch(/^2 +200 duplicate +\d+ ms$/m)
    expect(plain.stdout).toContain('sha256:')
    expect(plain.stdout).not.toContain(devSigningKeys.currentSigningKey)
    expect(plain.stdout).not.toContain('\u001b[')
    const coloured = await runCli(['send', 'onUploadComplete', '--to', healthy.url], { NO_COLOR: '', FORCE_COLOR: '1' })
    expect(coloured.stdout).toContain('\u001b[32m200 processed')
  })

  it('signs with QSTASH_CURRENT_SIGNING_KEY when set, and names the key layer when the server has other keys', async () => {
    const run = await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--json'], {
      QSTASH_CURRENT_SIGNING_KEY: 'sig_not_the_servers',
    })
    expect(run.code).toBe(1)
    const result = run.json()
    expect(result.signingKey).toMatchObject({ source: 'QSTASH_CURRENT_SIGNING_KEY', dev: false })
    expect(result.attempts[0]).toMatchObject({ status: 401, reason: 'invalid_signature' })
    expect(result.diagnosis.layer).toBe('keys')
    expect(run.stdout).not.toContain('sig_not_the_servers')
  })

  it('a sender the endpoint does not verify is told to pick the right --sender', async () => {
    const run = await runCli(['send', 'upload.completed', '--sender', 'sonuslab', '--to', healthy.url, '--json'])
    expect(run.code).toBe(1)
    expect(run.json()).toMatchObject({ attempts: [{ status: 401, reason: 'missing_signature' }], diagnosis: { layer: 'keys' } })
    expect(run.json().diagnosis.fix).toContain('--sender')
  })
})

describe('send as each sender', () => {
  const cases = [
    { sender: 'qstash', event: 'onUploadComplete', fileName: 'photo.jpg' },
    { sender: 'sonuslab', event: 'upload.completed', fileName: 'track.wav' },
    { sender: 'uploadcare', event: 'file.uploaded', fileName: 'photo.jpg' },
    { sender: 'standard-webhooks', event: 'upload.completed', fileName: 'track.wav' },
    { sender: 'cloudinary', event: 'upload', fileName: undefined },
  ]
  it.each(cases)(
    '$sender: the default $event payload verifies, decodes and is a duplicate the second time',
    async ({ sender, event, fileName }) => {
      const run = await runCli(['send', event, '--sender', sender, '--to', everySender.url, '--repeat', '2', '--json'])
      expect(run.code, run.stdout + run.stderr).toBe(0)
      const result = run.json()
      expect(result.attempts.map((a: any) => a.outcome)).toEqual(['processed', 'duplicate'])
      const handled = seen.filter((entry) => entry.deliveryId === result.deliveryId)
      expect(handled).toEqual([{ type: event, sender, deliveryId: result.deliveryId, fileName }])
    },
  )
})

describe('send to an endpoint that verifies one sender only', () => {
  // The CLI's every default type, each reaching its handler when its sender is the only one configured.
  const cases = registry.flatMap(({ id: sender }) => knownEvents(sender).map((event) => ({ sender, event })))
  it.each(cases)('$sender alone: its $event delivery runs the handler', async ({ sender, event }) => {
    const handled: Seen[] = []
    const server = await soleSenderServer(sender, knownEvents(sender), handled)
    try {
      const run = await runCli(['send', event, '--sender', sender, '--to', server.url, '--json'])
      expect(run.code, run.stdout + run.stderr).toBe(0)
      expect(run.json().attempts.map((a: any) => a.outcome)).toEqual(['processed'])
      expect(handled.map((entry) => `${entry.sender} ${entry.type}`)).toEqual([`${sender} ${event}`])
    } finally {
      await server.close()
    }
  })
})

describe('send diagnoses a broken endpoint', () => {
  it('a body parser in front: 500 raw_body_unavailable, fix names the mounting order', async () => {
    const run = await runCli(['send', 'onUploadComplete', '--to', parserFirst.url, '--json'])
    expect(run.code).toBe(1)
    const result = run.json()
    expect(result.attempts[0]).toMatchObject({ status: 500, reason: 'raw_body_unavailable' })
    expect(result.diagnosis).toMatchObject({ layer: 'body' })
    expect(result.diagnosis.fix).toContain('express.json()')
  })

  it('another configured public URL: 401 wrong_url, fix names WEBHOOK_PUBLIC_URL', async () => {
    const run = await runCli(['send', 'onUploadComplete', '--to', wrongUrl.url, '--json'])
    expect(run.code).toBe(1)
    expect(run.json().attempts[0]).toMatchObject({ status: 401, reason: 'wrong_url' })
    expect(run.json().diagnosis.fix).toContain('WEBHOOK_PUBLIC_URL')
  })

  it('the Redis store down: 503 store_unavailable', async () => {
    const run = await runCli(['send', 'onUploadComplete', '--to', storeDown.url])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^1 +503 store_unavailable/m)
    expect(run.stdout).toContain('✗ store:')
  })

  it('nothing listening: a network diagnosis, no HTTP status', async () => {
    const run = await runCli(['send', 'onUploadComplete', '--to', `http://127.0.0.1:${await freePort()}/api/webhooks/upload`, '--json'])
    expect(run.code).toBe(1)
    expect(run.json().attempts[0].networkError.code).toBe('ECONNREFUSED')
    expect(run.json().diagnosis.layer).toBe('network')
  })
})

describe('send refuses bad input with the fix', () => {
  it('invalid --data JSON', async () => {
    const run = await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--data', '{oops'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/error: --data is not valid JSON[\s\S]*fix: +quote/)
  })

  it('a missing --to and a bad --repeat are usage errors', async () => {
    expect((await runCli(['send', 'onUploadComplete'])).stderr).toContain("required option '--to <url>' not specified")
    const repeat = await runCli(['send', 'x', '--to', healthy.url, '--repeat', '0'])
    expect(repeat.code).toBe(1)
    expect(repeat.stderr).toContain('whole number of at least 1')
  })

  it('--secret with QStash points to --current-key', async () => {
    const run = await runCli(['send', 'onUploadComplete', '--to', healthy.url, '--secret', 's'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('--current-key')
  })
})
