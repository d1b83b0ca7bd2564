// `upload-webhooks dlq --bullmq` as a child process against real BullMQ on a real redis-server: jobs enqueued by
// deferToBullMQ, failed for good by createWorker().bullmq, then listed, shown, retried and deleted.
import { createWorker, type DeferredJob, jobDedupeId, memoryStore } from '@upload-webhooks/core'
import { type BullMQQueueLike, deferToBullMQ } from '@upload-webhooks/core/bullmq'
import { silentLogger } from '@upload-webhooks/core/testing'
import { Queue, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { fresh, until } from '../../../test/support/waiting.js'
import { runCli, runCliInTerminal, scriptBinary } from './support/run-cli.js'

const redisUrl = inject('redisUrl')
const TYPE = 'upload.completed'
const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** The jobId deferToBullMQ gives a delivery. */
const jobIdOf = jobDedupeId

function jobFor(deliveryId: string, sender = 'sonuslab'): DeferredJob {
  const event = { type: TYPE, sender, event: TYPE, file: { id: deliveryId } }
  return { v: 1, deliveryId, sender, type: TYPE, event: event as never, receivedAt: new Date().toISOString() }
}

/**
 * A queue fed by deferToBullMQ and drained by createWorker().bullmq, whose handler throws until
 * `fixed` is set; the given deliveries are failed for good (two attempts) before it returns.
 */
async function deadLetters(deliveries: DeferredJob[], prefix?: string) {
  const queueName = fresh('webhooks')
  const connection = new Redis(redisUrl!, { maxRetriesPerRequest: null })
  const queue = new Queue(queueName, { connection, ...(prefix ? { prefix } : {}) })
  const state = { fixed: false, ran: [] as string[] }
  const consumer = createWorker({
    store: memoryStore(),
    logger: silentLogger,
    handlers: {
      [TYPE]: (_event, context) => {
        if (!state.fixed) throw new Error(`handler exploded on ${context.deliveryId}`)
        state.ran.push(context.deliveryId)
      },
    },
  })
  const worker = new Worker(queueName, consumer.bullmq, {
    connection: new Redis(redisUrl!, { maxRetriesPerRequest: null }),
    ...(prefix ? { prefix } : {}),
  })
  closers.push(async () => {
    await worker.close(true)
    await queue.obliterate({ force: true })
    await queue.close()
    connection.disconnect()
  })
  const engine = deferToBullMQ(queue as unknown as BullMQQueueLike, { attempts: 2, backoff: { type: 'fixed', delay: 10 } })
  for (const job of deliveries) {
    await engine.enqueue({ job, dedupeId: jobIdOf(job.sender, job.deliveryId), signal: new AbortController().signal })
  }
  await until(async () => (await queue.getFailedCount()) === deliveries.length)
  const args = (...rest: string[]) => [...rest, '--bullmq', queueName, ...(prefix ? ['--prefix', prefix] : [])]
  return { queue, queueName, state, args, env: { REDIS_URL: redisUrl! } }
}

// Each test runs the CLI as child processes; an unreachable Redis alone takes seconds of the client's retries.
describe.skipIf(!redisUrl)('dlq --bullmq on real BullMQ', { timeout: 20_000 }, () => {
  it("list --json: each failed job's ID, delivery, sender, type, attempts, reason and finish time", async () => {
    const q = await deadLetters([jobFor('d-1'), jobFor('d-2', 'uploadcare')])
    const run = await runCli(q.args('dlq', 'list', '--json'), q.env)
    expect(run.code).toBe(0)
    const result = run.json()
    expect(result).toMatchObject({ ok: true, queue: q.queueName, prefix: 'bull', count: 2 })
    const byDelivery = Object.fromEntries(result.jobs.map((job: any) => [job.deliveryId, job]))
    expect(byDelivery['d-2']).toEqual({
      jobId: jobIdOf('uploadcare', 'd-2'),
      deliveryId: 'd-2',
      sender: 'uploadcare',
      type: TYPE,
      attemptsMade: 2,
      attempts: 2,
      failedReason: 'handler exploded on d-2',
      finishedOn: (await q.queue.getJob(jobIdOf('uploadcare', 'd-2')))!.finishedOn,
    })
    expect(byDelivery['d-1'].jobId).toBe(jobIdOf('sonuslab', 'd-1'))
  })

  it('list prints a table for people, and finds a queue under another prefix only with --prefix', async () => {
    const q = await deadLetters([jobFor('d-1')], 'myapp')
    const run = await runCli(q.args('dlq', 'list'), q.env)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^JOB ID +DELIVERY ID +SENDER +TYPE +ATTEMPTS +AGE +FAILED REASON$/m)
    expect(run.stdout).toMatch(
      new RegExp(`^${jobIdOf('sonuslab', 'd-1')} +d-1 +sonuslab +upload\\.completed +2/2 +\\d+s +handler exploded on d-1$`, 'm'),
    )
    const wrongPrefix = await runCli(['dlq', 'list', '--bullmq', q.queueName], q.env)
    expect(wrongPrefix.code).toBe(1)
    expect(wrongPrefix.stderr).toContain(`no BullMQ queue "${q.queueName}" with prefix "bull"`)
    expect(wrongPrefix.stderr).toMatch(/fix: .*--prefix/)
  })

  it('without REDIS_URL exits 1 naming it; an unreachable Redis exits 1 promptly', async () => {
    const missing = await runCli(['dlq', 'list', '--bullmq', 'webhooks'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('REDIS_URL is not set')
    const down = await runCli(['dlq', 'list', '--bullmq', 'webhooks', '--json'], { REDIS_URL: 'redis://127.0.0.1:1' })
    expect(down.code).toBe(1)
    expect(down.json().error.message).toContain('ECONNREFUSED')
    expect(down.json().error.fix).toContain('REDIS_URL')
  })

  it('show: the job data, failed reason, trimmed stack trace and attempts; an unknown ID exits 1', async () => {
    const q = await deadLetters([jobFor('d-1')])
    const jobId = jobIdOf('sonuslab', 'd-1')
    const run = await runCli(q.args('dlq', 'show', jobId), q.env)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^state +failed$/m)
    expect(run.stdout).toMatch(/^attempts +2 of 2$/m)
    expect(run.stdout).toMatch(/^failed reason +handler exploded on d-1$/m)
    expect(run.stdout).toMatch(/stack trace \(latest\)\nError: handler exploded on d-1\n {4}at /)
    expect(run.stdout).toMatch(/^ {4}… \d+ more lines$/m)
    expect(run.stdout).toContain('"deliveryId": "d-1"')
    const json = (await runCli(q.args('dlq', 'show', jobId, '--json'), q.env)).json()
    expect(json.job).toMatchObject({ jobId, state: 'failed', attemptsMade: 2, data: { v: 1, deliveryId: 'd-1', sender: 'sonuslab' } })
    expect(json.job.stacktrace.split('\n')).toHaveLength(9)
    const unknown = await runCli(q.args('dlq', 'show', 'nope'), q.env)
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(`no job with ID nope in BullMQ queue ${q.queueName}`)
  })

  it('retry <id>: the worker runs that job again; a job that is not failed is left alone and exits 1', async () => {
    const q = await deadLetters([jobFor('d-1'), jobFor('d-2')])
    q.state.fixed = true
    const run = await runCli(q.args('dlq', 'retry', jobIdOf('sonuslab', 'd-1'), '--json'), q.env)
    expect(run.code).toBe(0)
    expect(run.json()).toMatchObject({ ok: true, action: 'retry', count: 1, jobs: [{ jobId: jobIdOf('sonuslab', 'd-1') }], skipped: [] })
    await until(async () => (await q.queue.getJobCounts('completed')).completed === 1)
    expect(q.state.ran).toEqual(['d-1'])
    expect(await (await q.queue.getJob(jobIdOf('sonuslab', 'd-2')))!.getState()).toBe('failed')
    const again = await runCli(q.args('dlq', 'retry', jobIdOf('sonuslab', 'd-1'), 'nope'), q.env)
    expect(again.code).toBe(1)
    expect(again.stdout).toContain(`${jobIdOf('sonuslab', 'd-1')}: completed, not failed; left alone`)
    expect(again.stdout).toContain('nope: no such job; left alone')
    expect(q.state.ran).toEqual(['d-1'])
  })

  it('retry --all refuses without a terminal unless --yes; with --yes the worker runs every failed job', async () => {
    const q = await deadLetters([jobFor('d-1'), jobFor('d-2'), jobFor('d-3')])
    q.state.fixed = true
    const refused = await runCli(q.args('dlq', 'retry', '--all'), q.env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/needs confirmation[\s\S]*fix: +pass --yes/)
    expect(await q.queue.getFailedCount()).toBe(3)
    const run = await runCli(q.args('dlq', 'retry', '--all', '--yes'), q.env)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('retried 3 of 3 job(s)')
    await until(async () => (await q.queue.getJobCounts('completed')).completed === 3)
    expect(q.state.ran.sort()).toEqual(['d-1', 'd-2', 'd-3'])
  })

  it('delete <id...> removes those jobs from BullMQ; IDs and --all together are refused', async () => {
    const q = await deadLetters([jobFor('d-1'), jobFor('d-2'), jobFor('d-3')])
    const both = await runCli(q.args('dlq', 'delete', jobIdOf('sonuslab', 'd-1'), '--all', '--yes'), q.env)
    expect(both.stderr).toContain('pass job IDs or --all, not both')
    const run = await runCli(q.args('dlq', 'delete', jobIdOf('sonuslab', 'd-1'), jobIdOf('sonuslab', 'd-3')), q.env)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('deleted 2 of 2 job(s)')
    expect(await q.queue.getJob(jobIdOf('sonuslab', 'd-1'))).toBeUndefined()
    expect(await q.queue.getJob(jobIdOf('sonuslab', 'd-3'))).toBeUndefined()
    expect((await q.queue.getFailed()).map((job) => job.id)).toEqual([jobIdOf('sonuslab', 'd-2')])
  })

  it.skipIf(!scriptBinary)('delete --all on a terminal asks first: no leaves the jobs, yes deletes them', async () => {
    const q = await deadLetters([jobFor('d-1'), jobFor('d-2')])
    const declined = await runCliInTerminal(q.args('dlq', 'delete', '--all'), 'n\n', q.env)
    expect(declined.code).toBe(1)
    expect(declined.stdout).toContain(`Delete all 2 failed jobs of BullMQ queue ${q.queueName} for good? [y/N]`)
    expect(await q.queue.getFailedCount()).toBe(2)
    const accepted = await runCliInTerminal(q.args('dlq', 'delete', '--all'), 'y\n', q.env)
    expect(accepted.code).toBe(0)
    expect(accepted.stdout).toContain('deleted 2 of 2 job(s)')
    expect(await q.queue.getFailedCount()).toBe(0)
  })

  it('--url-group with --bullmq, or --prefix without it, is refused before any connection', async () => {
    const group = await runCli(['dlq', 'list', '--bullmq', 'webhooks', '--url-group', 'uploads'], { REDIS_URL: 'redis://127.0.0.1:1' })
    expect(group.code).toBe(1)
    expect(group.stderr).toContain('pass one of them')
    const prefix = await runCli(['dlq', 'list', '--prefix', 'myapp'], { QSTASH_TOKEN: 'unused', QSTASH_URL: 'http://127.0.0.1:1' })
    expect(prefix.code).toBe(1)
    expect(prefix.stderr).toContain('--prefix is a BullMQ key prefix: it needs --bullmq <queue>')
  })
})
