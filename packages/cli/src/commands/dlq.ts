// `upload-webhooks dlq list|show|retry|delete`: QStash's dead-letter queue, which nothing re-delivers on its own,
// or with --bullmq a BullMQ queue's failed jobs (src/dlq-bullmq.ts).
import type { Command } from 'commander'
import { action } from '../action.js'
import { bulkJobs, listJobs, showJob } from '../dlq-bullmq.js'
import { age, bodyText, type DlqMessage, eventTypeOf, findDlq, listAllDlq } from '../dlq-messages.js'
import { type BulkFlags, type BulkVerb, type TargetSource, targetIds } from '../dlq-targets.js'
import { CliError, note, painter, printJson, statusColour, table } from '../output.js'
import { progress } from '../progress.js'
import { type QStashAccess, qstashAccess, qstashError } from '../qstash.js'

interface GroupOptions extends QueueSelect {
  urlGroup?: string
  json?: boolean
}

interface QueueSelect {
  bullmq?: string
  prefix?: string
}

interface BulkOptions extends GroupOptions, BulkFlags {}

const urlGroupOption = [
  '--url-group <name>',
  'only this QStash URL group (default: QSTASH_URL_GROUP, the infra output; unset: every message)',
] as const

const urlGroupOf = (options: GroupOptions) => options.urlGroup ?? (process.env.QSTASH_URL_GROUP?.trim() || undefined)

function withQueueOptions(command: Command): Command {
  return command
    .option('--bullmq <queue>', "a BullMQ queue's failed jobs instead (REDIS_URL): the name deferToBullMQ's Queue was given")
    .option('--prefix <prefix>', "with --bullmq: the Queue's `prefix` option (default: bull)")
}

/** The BullMQ queue --bullmq names, or undefined for QStash; options of the other queue are refused. */
function bullmqQueueOf(options: GroupOptions): string | undefined {
  if (options.bullmq === undefined) {
    if (options.prefix !== undefined) throw new CliError('--prefix is a BullMQ key prefix: it needs --bullmq <queue>')
    return undefined
  }
  if (options.urlGroup !== undefined) throw new CliError('--url-group is for QStash and --bullmq for a BullMQ queue: pass one of them')
  const name = options.bullmq.trim()
  if (!name) throw new CliError('--bullmq needs a queue name', "pass the name deferToBullMQ's Queue was created with")
  if (options.prefix !== undefined && !options.prefix.trim()) throw new CliError('--prefix is empty', 'leave it out for the default, bull')
  return name
}

export function registerDlq(program: Command): void {
  const dlq = program
    .command('dlq')
    .description(
      "inspect and re-deliver QStash's dead-letter queue (QSTASH_TOKEN, QSTASH_URL), or with --bullmq a BullMQ queue's failed jobs (REDIS_URL)",
    )
    .addHelpText(
      'after',
      '\nNeither QStash nor BullMQ re-delivers dead letters by itself: retry them here once the endpoint or handler is fixed.',
    )

  withQueueOptions(dlq.command('list'))
    .description(
      'list dead-lettered messages: DLQ ID, message ID, URL, last response status, age, event type ' +
        '(--bullmq: job ID, delivery ID, sender, type, attempts, age, failed reason)',
    )
    .option(...urlGroupOption)
    .option('--json', 'print JSON for scripts')
    .action(action(list))

  withQueueOptions(dlq.command('show'))
    .description(
      "show one dead-lettered message: headers, body, and the last response (--bullmq: a job's data, failed reason, stack trace)",
    )
    .argument('<id>', 'the DLQ ID (or with --bullmq the job ID) from `dlq list`')
    .option('--json', 'print JSON for scripts')
    .action(action(show))

  for (const verb of ['retry', 'delete'] as const) {
    withQueueOptions(dlq.command(verb))
      .description(
        verb === 'retry'
          ? 'publish dead-lettered messages again (QStash retries them as usual) and remove them from the queue ' +
              '(--bullmq: the worker runs the failed jobs once more)'
          : 'remove dead-lettered messages (--bullmq: failed jobs) for good',
      )
      .argument('[id...]', 'DLQ IDs (or with --bullmq job IDs) from `dlq list`')
      .option('--all', 'every message (of the URL group, when one is set) or failed job; asks for confirmation first')
      .option('-y, --yes', 'do not ask for confirmation (needed for --all without a terminal)')
      .option(...urlGroupOption)
      .option('--json', 'print JSON for scripts')
      .action(action((ids: string[], options: BulkOptions) => bulk(verb, ids, options)))
  }
}

async function list(options: GroupOptions): Promise<number> {
  const queue = bullmqQueueOf(options)
  if (queue !== undefined) return listJobs(queue, options)
  const access = qstashAccess()
  const urlGroup = urlGroupOf(options)
  const messages = await listAllDlq(access, urlGroup, progress(!options.json))
  if (options.json) {
    printJson({
      ok: true,
      urlGroup: urlGroup ?? null,
      count: messages.length,
      messages: messages.map((message) => ({
        dlqId: message.dlqId,
        messageId: message.messageId,
        url: message.url,
        urlGroup: message.urlGroup ?? null,
        responseStatus: message.responseStatus ?? null,
        createdAt: message.createdAt,
        eventType: eventTypeOf(message) ?? null,
      })),
    })
    return 0
  }
  const paint = painter(process.stdout)
  const scope = urlGroup ? ` in URL group ${urlGroup}` : ''
  if (messages.length === 0) {
    console.log(`The dead-letter queue is empty${scope}.`)
    return 0
  }
  const rows = messages.map((message) => [
    message.dlqId,
    message.messageId,
    message.url,
    paint(statusColour(message.responseStatus), String(message.responseStatus ?? '—')),
    age(message.createdAt),
    eventTypeOf(message) ?? paint('grey', '?'),
  ])
  console.log(table(['DLQ ID', 'MESSAGE ID', 'URL', 'STATUS', 'AGE', 'EVENT'], rows, paint))
  console.log(
    paint(
      'grey',
      `\n${messages.length} message(s)${scope}. Next: upload-webhooks dlq show <dlq-id> · dlq retry <dlq-id...> · dlq delete <dlq-id...>`,
    ),
  )
  return 0
}

async function show(id: string, options: GroupOptions): Promise<number> {
  const queue = bullmqQueueOf(options)
  if (queue !== undefined) return showJob(id, queue, options)
  const access = qstashAccess()
  const { found } = await findDlq(access, [id])
  const message = found[0]
  if (!message)
    throw new CliError(
      `no dead-lettered message with DLQ ID ${id}`,
      'copy a DLQ ID from `upload-webhooks dlq list` (it differs from the message ID)',
    )
  if (options.json) {
    printJson({ ok: true, eventType: eventTypeOf(message) ?? null, message })
    return 0
  }
  printMessage(message)
  return 0
}

function printMessage(message: DlqMessage): void {
  const paint = painter(process.stdout)
  const field = (name: string, value: unknown) =>
    value !== undefined && value !== '' && console.log(`${paint('bold', name.padEnd(16))}${value}`)
  field('DLQ ID', message.dlqId)
  field('message ID', message.messageId)
  field('URL', message.url)
  field('URL group', message.urlGroup)
  field('event type', eventTypeOf(message))
  field('created', `${new Date(message.createdAt).toISOString()} (${age(message.createdAt)} ago)`)
  field('max retries', message.maxRetries)
  field(
    'last status',
    message.responseStatus === undefined ? undefined : paint(statusColour(message.responseStatus), String(message.responseStatus)),
  )
  field('last response', message.responseBody)
  console.log(paint('bold', '\nheaders'))
  for (const [name, values] of Object.entries(message.header ?? {})) console.log(`  ${name}: ${values.join(', ')}`)
  const text = bodyText(message)
  console.log(paint('bold', '\nbody'))
  try {
    console.log(JSON.stringify(JSON.parse(text ?? ''), null, 2))
  } catch {
    console.log(text ?? paint('grey', '(empty)'))
  }
}

function qstashTargets(access: QStashAccess, options: BulkOptions, json: boolean): TargetSource {
  const urlGroup = urlGroupOf(options)
  const scope = urlGroup ? ` of URL group ${urlGroup}` : ''
  return {
    noun: 'DLQ IDs',
    listCommand: 'upload-webhooks dlq list',
    listAll: async () => (await listAllDlq(access, urlGroup, progress(!json))).map((message) => message.dlqId),
    question: (verb, count) =>
      verb === 'retry'
        ? `Publish all ${count} dead-lettered messages${scope} again?`
        : `Delete all ${count} dead-lettered messages${scope} for good?`,
  }
}

async function bulk(verb: BulkVerb, ids: string[], options: BulkOptions): Promise<number> {
  const queue = bullmqQueueOf(options)
  if (queue !== undefined) return bulkJobs(verb, ids, queue, options)
  const access = qstashAccess()
  const targets = await targetIds(verb, ids, options, qstashTargets(access, options, options.json === true))
  if (targets === undefined) {
    note('Nothing done.')
    return 1
  }
  const bar = progress(!options.json)
  const done: { dlqId: string; messageId?: string }[] = []
  let deleted = 0
  try {
    // The exact IDs (not a filter): what was listed and confirmed is what gets acted on.
    for (let start = 0; start < targets.length; start += 100) {
      const batch = targets.slice(start, start + 100)
      if (verb === 'retry') {
        const { responses } = await access.client.dlq.retry(batch)
        done.push(...batch.map((dlqId, index) => ({ dlqId, ...(responses[index] ? { messageId: responses[index].messageId } : {}) })))
      } else {
        deleted += (await access.client.dlq.delete(batch)).deleted
        done.push(...batch.map((dlqId) => ({ dlqId })))
      }
      bar.update(`${verb === 'retry' ? 'retried' : 'deleted'} ${done.length}/${targets.length}`)
    }
  } catch (error) {
    bar.done()
    const partial = done.length > 0 ? ` after ${done.length} of ${targets.length} succeeded` : ''
    const cause = qstashError(error, access, `${verb === 'retry' ? 'retrying' : 'deleting'} dead-lettered messages${partial}`)
    throw cause
  }
  bar.done()
  if (options.json) {
    printJson({ ok: true, action: verb, count: targets.length, ...(verb === 'delete' ? { deleted } : {}), messages: done })
    return 0
  }
  const paint = painter(process.stdout)
  if (targets.length === 0) {
    console.log('The dead-letter queue is empty: nothing to do.')
    return 0
  }
  if (verb === 'retry') {
    console.log(
      table(
        ['DLQ ID', 'NEW MESSAGE ID'],
        done.map((entry) => [entry.dlqId, entry.messageId ?? '—']),
        paint,
      ),
    )
    console.log(paint('green', `\npublished ${done.length} message(s) again; QStash delivers and retries them as usual`))
  } else {
    console.log(paint('green', `deleted ${deleted} of ${targets.length} message(s)`))
    if (deleted < targets.length) console.log(paint('yellow', 'the others were already gone (retried or deleted meanwhile)'))
  }
  return 0
}
