// `dlq list|show|retry|delete --bullmq <queue>`: a BullMQ queue's failed jobs, the dead letters of deferToBullMQ.
import type { Job } from 'bullmq'
import { type BullMQAccess, bullmqError, withQueue } from './bullmq.js'
import { describeJob, type FailedJob, findJob, latestStack, listFailed } from './dlq-jobs.js'
import { age } from './dlq-messages.js'
import { type BulkFlags, type BulkVerb, type TargetSource, targetIds } from './dlq-targets.js'
import { CliError, note, painter, printJson, table } from './output.js'
import { progress } from './progress.js'

export interface QueueOptions {
  prefix?: string
  json?: boolean
}

/** The table's reason column: one line, cut short (`dlq show` prints it whole). */
const REASON_WIDTH = 60

const oneLine = (reason: string | undefined) => {
  const line = (reason ?? '').replace(/\s+/g, ' ').trim()
  return line.length > REASON_WIDTH ? `${line.slice(0, REASON_WIDTH - 1)}…` : line
}

const jobJson = (job: FailedJob) => ({
  jobId: job.jobId,
  deliveryId: job.deliveryId ?? null,
  sender: job.sender ?? null,
  type: job.type ?? null,
  attemptsMade: job.attemptsMade,
  attempts: job.attempts,
  failedReason: job.failedReason ?? null,
  finishedOn: job.finishedOn ?? null,
})

export function listJobs(queueName: string, options: QueueOptions): Promise<number> {
  return withQueue(queueName, options.prefix, async (access) => {
    const jobs = (await listFailed(access, progress(!options.json))).map(describeJob)
    if (options.json) {
      printJson({ ok: true, queue: queueName, prefix: access.prefix, count: jobs.length, jobs: jobs.map(jobJson) })
      return 0
    }
    if (jobs.length === 0) {
      console.log(`BullMQ queue ${queueName} has no failed jobs.`)
      return 0
    }
    const paint = painter(process.stdout)
    const unknown = paint('grey', '?')
    const rows = jobs.map((job) => [
      job.jobId,
      job.deliveryId ?? unknown,
      job.sender ?? unknown,
      job.type ?? unknown,
      `${job.attemptsMade}/${job.attempts}`,
      job.finishedOn === undefined ? '—' : age(job.finishedOn),
      paint('red', oneLine(job.failedReason)),
    ])
    console.log(table(['JOB ID', 'DELIVERY ID', 'SENDER', 'TYPE', 'ATTEMPTS', 'AGE', 'FAILED REASON'], rows, paint))
    const next = `dlq show <job-id> · dlq retry <job-id...> · dlq delete <job-id...> (with --bullmq ${queueName})`
    console.log(paint('grey', `\n${jobs.length} failed job(s) in BullMQ queue ${queueName}. Next: upload-webhooks ${next}`))
    return 0
  })
}

export function showJob(id: string, queueName: string, options: QueueOptions): Promise<number> {
  return withQueue(queueName, options.prefix, async (access) => {
    const found = await findJob(access, id)
    if (!found) {
      throw new CliError(
        `no job with ID ${id} in BullMQ queue ${queueName}`,
        `copy a job ID from \`upload-webhooks dlq list --bullmq ${queueName}\``,
      )
    }
    const { job, state } = found
    if (options.json) {
      const { jobId: _, ...fields } = jobJson(describeJob(job))
      printJson({
        ok: true,
        job: { jobId: String(job.id), name: job.name, state, ...fields, stacktrace: latestStack(job) ?? null, data: job.data },
      })
      return 0
    }
    printJob(job, state)
    return 0
  })
}

function printJob(job: Job, state: string): void {
  const paint = painter(process.stdout)
  const described = describeJob(job)
  const field = (name: string, value: unknown) =>
    value !== undefined && value !== '' && console.log(`${paint('bold', name.padEnd(16))}${value}`)
  const time = (ms: number | undefined) => (ms === undefined ? undefined : `${new Date(ms).toISOString()} (${age(ms)} ago)`)
  field('job ID', described.jobId)
  field('state', state === 'failed' ? state : paint('yellow', `${state} (not a dead letter)`))
  field('delivery ID', described.deliveryId)
  field('sender', described.sender)
  field('event type', described.type)
  field('attempts', `${described.attemptsMade} of ${described.attempts}`)
  field('added', time(job.timestamp))
  field('failed', time(described.finishedOn))
  field('failed reason', described.failedReason && paint('red', described.failedReason))
  const stack = latestStack(job)
  if (stack) console.log(`${paint('bold', '\nstack trace (latest)')}\n${paint('grey', stack)}`)
  console.log(paint('bold', '\ndata'))
  console.log(JSON.stringify(job.data, null, 2))
}

function jobTargets(access: BullMQAccess, queueName: string, json: boolean): TargetSource {
  return {
    noun: 'job IDs',
    listCommand: `upload-webhooks dlq list --bullmq ${queueName}`,
    listAll: async () => (await listFailed(access, progress(!json))).map((job) => String(job.id)),
    question: (verb, count) =>
      verb === 'retry'
        ? `Retry all ${count} failed jobs of BullMQ queue ${queueName}?`
        : `Delete all ${count} failed jobs of BullMQ queue ${queueName} for good?`,
  }
}

/** Acts on each failed job; an ID that is not a failed job is reported, never touched. */
async function act(verb: BulkVerb, targets: string[], access: BullMQAccess, json: boolean) {
  const bar = progress(!json)
  const done: string[] = []
  const skipped: { jobId: string; state: string }[] = []
  try {
    for (const jobId of targets) {
      const found = await findJob(access, jobId)
      if (found?.state !== 'failed') {
        skipped.push({ jobId, state: found?.state ?? 'missing' })
        continue
      }
      // Attempts are not reset: the run is the job's last again, so a new failure dead-letters it again.
      if (verb === 'retry') await found.job.retry('failed')
      else await found.job.remove()
      done.push(jobId)
      bar.update(`${verb === 'retry' ? 'retried' : 'deleted'} ${done.length}/${targets.length}`)
    }
  } catch (error) {
    const partial = done.length > 0 ? ` after ${done.length} of ${targets.length} succeeded` : ''
    throw bullmqError(error, access, `${verb === 'retry' ? 'retrying' : 'deleting'} failed jobs${partial}`)
  } finally {
    bar.done()
  }
  return { done, skipped }
}

export function bulkJobs(verb: BulkVerb, ids: string[], queueName: string, options: QueueOptions & BulkFlags): Promise<number> {
  return withQueue(queueName, options.prefix, async (access) => {
    const json = options.json === true
    const targets = await targetIds(verb, ids, options, jobTargets(access, queueName, json))
    if (targets === undefined) {
      note('Nothing done.')
      return 1
    }
    const { done, skipped } = await act(verb, targets, access, json)
    const code = skipped.length === 0 ? 0 : 1
    if (json) {
      printJson({ ok: code === 0, action: verb, queue: queueName, count: targets.length, jobs: done.map((jobId) => ({ jobId })), skipped })
      return code
    }
    const paint = painter(process.stdout)
    if (targets.length === 0) {
      console.log(`BullMQ queue ${queueName} has no failed jobs: nothing to do.`)
      return 0
    }
    if (verb === 'retry') {
      console.log(paint('green', `retried ${done.length} of ${targets.length} job(s): the worker runs each once more`))
    } else console.log(paint('green', `deleted ${done.length} of ${targets.length} job(s)`))
    for (const { jobId, state } of skipped) {
      console.log(paint('yellow', `${jobId}: ${state === 'missing' ? 'no such job' : `${state}, not failed`}; left alone`))
    }
    return code
  })
}
