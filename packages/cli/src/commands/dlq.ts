// `upload-webhooks dlq list|show|retry|delete`: the QStash dead-letter queue, which nothing re-delivers on its own.
import type { Command } from 'commander'
import { action } from '../action.js'
import { confirm } from '../confirm.js'
import { age, bodyText, type DlqMessage, eventTypeOf, findDlq, listAllDlq } from '../dlq-messages.js'
import { CliError, note, painter, printJson, statusColour, table } from '../output.js'
import { progress } from '../progress.js'
import { type QStashAccess, qstashAccess, qstashError } from '../qstash.js'

interface GroupOptions {
  urlGroup?: string
  json?: boolean
}

interface BulkOptions extends GroupOptions {
  all?: boolean
  yes?: boolean
}

const urlGroupOption = [
  '--url-group <name>',
  'only this QStash URL group (default: QSTASH_URL_GROUP, the infra output; unset: every message)',
] as const

const urlGroupOf = (options: GroupOptions) => options.urlGroup ?? (process.env.QSTASH_URL_GROUP?.trim() || undefined)

export function registerDlq(program: Command): void {
  const dlq = program
    .command('dlq')
    .description("inspect and re-deliver QStash's dead-letter queue (QSTASH_TOKEN, QSTASH_URL)")
    .addHelpText('after', '\nQStash never re-delivers dead-lettered messages by itself: retry them here once the endpoint is fixed.')

  dlq
    .command('list')
    .description('list dead-lettered messages: DLQ ID, message ID, URL, last response status, age, event type')
    .option(...urlGroupOption)
    .option('--json', 'print JSON for scripts')
    .action(action(list))

  dlq
    .command('show')
    .description('show one dead-lettered message: headers, body, and the last response')
    .argument('<dlq-id>', 'the DLQ ID from `dlq list`')
    .option('--json', 'print JSON for scripts')
    .action(action(show))

  for (const verb of ['retry', 'delete'] as const) {
    dlq
      .command(verb)
      .description(
        verb === 'retry'
          ? 'publish dead-lettered messages again (QStash retries them as usual) and remove them from the queue'
          : 'remove dead-lettered messages for good',
      )
      .argument('[dlq-id...]', 'DLQ IDs from `dlq list`')
      .option('--all', 'every message (of the URL group, when one is set); asks for confirmation first')
      .option('-y, --yes', 'do not ask for confirmation (needed for --all without a terminal)')
      .option(...urlGroupOption)
      .option('--json', 'print JSON for scripts')
      .action(action((ids: string[], options: BulkOptions) => bulk(verb, ids, options)))
  }
}

async function list(options: GroupOptions): Promise<number> {
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

async function show(id: string, options: { json?: boolean }): Promise<number> {
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

/** The IDs a bulk command acts on: those given, or (with --all) every listed one after a yes. */
async function targetIds(
  verb: 'retry' | 'delete',
  ids: string[],
  options: BulkOptions,
  access: QStashAccess,
): Promise<string[] | undefined> {
  if (options.all && ids.length > 0) throw new CliError('pass DLQ IDs or --all, not both')
  if (!options.all) {
    if (ids.length === 0)
      throw new CliError(`nothing to ${verb}: no DLQ IDs given`, `pass DLQ IDs from \`upload-webhooks dlq list\`, or --all`)
    return ids
  }
  if (!options.yes && (!process.stdin.isTTY || !process.stderr.isTTY)) {
    throw new CliError(`dlq ${verb} --all needs confirmation, and there is no terminal to ask on`, 'pass --yes to run it without asking')
  }
  const urlGroup = urlGroupOf(options)
  const all = (await listAllDlq(access, urlGroup, progress(!options.json))).map((message) => message.dlqId)
  if (all.length === 0) return all
  const scope = urlGroup ? ` of URL group ${urlGroup}` : ''
  const question =
    verb === 'retry'
      ? `Publish all ${all.length} dead-lettered messages${scope} again?`
      : `Delete all ${all.length} dead-lettered messages${scope} for good?`
  return (await confirm(question, options)) ? all : undefined
}

async function bulk(verb: 'retry' | 'delete', ids: string[], options: BulkOptions): Promise<number> {
  const access = qstashAccess()
  const targets = await targetIds(verb, ids, options, access)
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
