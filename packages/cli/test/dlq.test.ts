// `upload-webhooks dlq` as a child process against a local server shaped like QStash's API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type DlqMessage, LocalQStash } from '../../../infra/local/qstash.js'
import { runCli, runCliInTerminal, scriptBinary } from './support/run-cli.js'

const TOKEN = 'qstash_test_token'
let qstash: LocalQStash
let env: Record<string, string>

beforeEach(async () => {
  qstash = new LocalQStash({ token: TOKEN, deliver: false })
  env = { QSTASH_TOKEN: TOKEN, QSTASH_URL: await qstash.listen() }
})
afterEach(() => qstash.close())

/** Every API call, as `METHOD /path?query`. */
const requests = () => qstash.calls.map((call) => `${call.method} ${call.path}${call.search ?? ''}`)

function dlqMessage(index: number, overrides: Partial<DlqMessage> = {}): DlqMessage {
  return {
    dlqId: `1725323658779-${index}`,
    messageId: `msg_fake_${index}`,
    url: 'https://app.example.com/api/webhooks/upload',
    topicName: 'uploads',
    method: 'POST',
    header: { 'Content-Type': ['application/json'] },
    body: JSON.stringify({ event: 'onUploadComplete', file: { id: `file_${index}`, fileName: `photo-${index}.jpg` } }),
    maxRetries: 3,
    createdAt: Date.now() - 3 * 3600 * 1000,
    responseStatus: 500,
    responseBody: '{"status":"error","reason":"handler_failed"}',
    ...overrides,
  }
}

const seed = (count: number, overrides: (index: number) => Parameters<typeof dlqMessage>[1] = () => ({})) => {
  qstash.dlq = Array.from({ length: count }, (_, index) => dlqMessage(index, overrides(index)))
}

describe('dlq list', () => {
  it('follows the cursor through every page and reads the event type from each body', async () => {
    seed(250, (index) => (index === 7 ? { body: JSON.stringify({ hook: { event: 'file.uploaded' }, data: {} }) } : {}))
    const run = await runCli(['dlq', 'list', '--json'], env)
    expect(run.code).toBe(0)
    const result = run.json()
    expect(result.count).toBe(250)
    expect(new Set(result.messages.map((message: any) => message.dlqId)).size).toBe(250)
    expect(result.messages[0]).toMatchObject({
      dlqId: '1725323658779-0',
      messageId: 'msg_fake_0',
      responseStatus: 500,
      eventType: 'onUploadComplete',
    })
    expect(result.messages[7].eventType).toBe('file.uploaded')
    expect(requests().filter((request) => request.startsWith('GET /v2/dlq'))).toHaveLength(3)
  })

  it('filters on the URL group: QSTASH_URL_GROUP by default, --url-group over it', async () => {
    seed(4, (index) => ({ topicName: index % 2 ? 'uploads' : 'other' }))
    const byEnv = await runCli(['dlq', 'list', '--json'], { ...env, QSTASH_URL_GROUP: 'uploads' })
    expect(byEnv.json()).toMatchObject({ urlGroup: 'uploads', count: 2 })
    expect(requests().at(-1)).toContain('topicName=uploads')
    const byFlag = await runCli(['dlq', 'list', '--url-group', 'other', '--json'], { ...env, QSTASH_URL_GROUP: 'uploads' })
    expect(byFlag.json()).toMatchObject({ urlGroup: 'other', count: 2 })
  })

  it('prints a table with ID, message ID, URL, status, age and event for people', async () => {
    seed(2)
    const run = await runCli(['dlq', 'list'], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^DLQ ID +MESSAGE ID +URL +STATUS +AGE +EVENT$/m)
    expect(run.stdout).toMatch(
      /^1725323658779-1 +msg_fake_1 +https:\/\/app\.example\.com\/api\/webhooks\/upload +500 +3h +onUploadComplete$/m,
    )
  })

  it('a rejected token exits 1 and names QSTASH_TOKEN and QSTASH_URL', async () => {
    const run = await runCli(['dlq', 'list'], { ...env, QSTASH_TOKEN: 'wrong' })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/error: QStash refused the token while listing the dead-letter queue \(401/)
    expect(run.stderr).toMatch(/fix: +set QSTASH_TOKEN .* QSTASH_URL/)
    expect(run.stderr).not.toContain('[Upstash QStash]')
  })

  it('a 5xx on a later page exits 1 and says to try again', async () => {
    seed(150)
    qstash.fail = (url) => (url.pathname === '/v2/dlq' && url.searchParams.has('cursor') ? 503 : undefined)
    const run = await runCli(['dlq', 'list', '--json'], env)
    expect(run.code).toBe(1)
    expect(run.json().error).toMatchObject({ message: expect.stringContaining('QStash failed while listing the dead-letter queue (503') })
    expect(run.json().error.fix).toContain('again')
  })

  it('no QSTASH_TOKEN: exits 1 before any request, naming the variable', async () => {
    const run = await runCli(['dlq', 'list'], { QSTASH_URL: env['QSTASH_URL']! })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('QSTASH_TOKEN is not set')
    expect(requests()).toEqual([])
  })
})

describe('dlq show', () => {
  it('shows one message with its body and last response', async () => {
    seed(3)
    const run = await runCli(['dlq', 'show', '1725323658779-2'], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^message ID +msg_fake_2$/m)
    expect(run.stdout).toMatch(/^event type +onUploadComplete$/m)
    expect(run.stdout).toContain('"fileName": "photo-2.jpg"')
    expect(run.stdout).toContain('handler_failed')
  })

  it('an unknown ID exits 1 and points at dlq list', async () => {
    seed(1)
    const run = await runCli(['dlq', 'show', 'msg_fake_0'], env)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('no dead-lettered message with DLQ ID msg_fake_0')
    expect(run.stderr).toContain('dlq list')
  })
})

describe('dlq retry and delete', () => {
  it('retries the given IDs and prints the new message IDs', async () => {
    seed(3)
    const run = await runCli(['dlq', 'retry', '1725323658779-0', '1725323658779-2', '--json'], env)
    expect(run.code).toBe(0)
    expect(run.json()).toMatchObject({
      ok: true,
      action: 'retry',
      count: 2,
      messages: [
        { dlqId: '1725323658779-0', messageId: 'msg_fake_0_retry' },
        { dlqId: '1725323658779-2', messageId: 'msg_fake_2_retry' },
      ],
    })
    expect(qstash.dlq.map((message) => message.dlqId)).toEqual(['1725323658779-1'])
  })

  it('--all without a terminal refuses unless --yes, and touches nothing', async () => {
    seed(3)
    for (const verb of ['retry', 'delete']) {
      const run = await runCli(['dlq', verb, '--all'], env)
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/needs confirmation[\s\S]*fix: +pass --yes/)
    }
    expect(qstash.dlq).toHaveLength(3)
    expect(requests()).toEqual([])
  })

  it.skipIf(!scriptBinary)('--all on a terminal asks first: no leaves the queue alone, yes deletes what it listed', async () => {
    seed(3)
    const declined = await runCliInTerminal(['dlq', 'delete', '--all'], 'n\n', env)
    expect(declined.code).toBe(1)
    expect(declined.stdout).toContain('Delete all 3 dead-lettered messages for good? [y/N]')
    expect(declined.stdout).toContain('Nothing done.')
    expect(qstash.dlq).toHaveLength(3)
    const accepted = await runCliInTerminal(['dlq', 'delete', '--all'], 'y\n', env)
    expect(accepted.code).toBe(0)
    expect(accepted.stdout).toContain('deleted 3 of 3 message(s)')
    expect(qstash.dlq).toEqual([])
  })

  it('retry --all --yes re-publishes exactly the listed messages, in batches of 100', async () => {
    seed(230)
    const run = await runCli(['dlq', 'retry', '--all', '--yes', '--json'], env)
    expect(run.code).toBe(0)
    expect(run.json().count).toBe(230)
    expect(qstash.dlq).toEqual([])
    expect(requests().filter((request) => request.startsWith('POST /v2/dlq/retry'))).toHaveLength(3)
  })

  it('delete --all --yes in a URL group deletes only that group', async () => {
    seed(6, (index) => ({ topicName: index < 4 ? 'uploads' : 'other' }))
    const run = await runCli(['dlq', 'delete', '--all', '--yes', '--url-group', 'uploads'], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('deleted 4 of 4 message(s)')
    expect(qstash.dlq.map((message) => message.topicName)).toEqual(['other', 'other'])
  })

  it('IDs and --all together, or neither, are refused', async () => {
    seed(1)
    expect((await runCli(['dlq', 'delete', '1725323658779-0', '--all', '--yes'], env)).stderr).toContain('not both')
    const none = await runCli(['dlq', 'delete'], env)
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('no DLQ IDs given')
    expect(qstash.dlq).toHaveLength(1)
  })

  it('a 5xx while retrying exits 1 and says how far it got', async () => {
    seed(150)
    let calls = 0
    qstash.fail = (url) => (url.pathname === '/v2/dlq/retry' && ++calls === 2 ? 500 : undefined)
    const run = await runCli(['dlq', 'retry', '--all', '--yes'], env)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('after 100 of 150 succeeded')
  })
})
