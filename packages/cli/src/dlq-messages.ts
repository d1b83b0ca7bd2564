// Reading the dead-letter queue: every page, and what each message was (event type, age).
import type { Client } from '@upstash/qstash'
import type { Progress } from './progress.js'
import { type QStashAccess, qstashError } from './qstash.js'

export type DlqMessage = Awaited<ReturnType<Client['dlq']['listMessages']>>['messages'][number]

/** Page size: QStash's maximum. */
const PAGE = 100

/** Follows the cursor to the end; `urlGroup` narrows it to one URL group. */
export async function listAllDlq(access: QStashAccess, urlGroup: string | undefined, progress: Progress): Promise<DlqMessage[]> {
  const messages: DlqMessage[] = []
  let cursor: string | undefined
  try {
    do {
      const page = await access.client.dlq.listMessages({
        count: PAGE,
        ...(cursor ? { cursor } : {}),
        ...(urlGroup ? { filter: { urlGroup } } : {}),
      })
      messages.push(...page.messages)
      cursor = page.cursor || undefined
      progress.update(`reading the dead-letter queue… ${messages.length} messages`)
    } while (cursor)
  } catch (error) {
    throw qstashError(error, access, 'listing the dead-letter queue')
  } finally {
    progress.done()
  }
  return messages
}

/** The messages with these DLQ IDs, in the order asked; missing IDs are returned apart. */
export async function findDlq(access: QStashAccess, ids: readonly string[]): Promise<{ found: DlqMessage[]; missing: string[] }> {
  let messages: DlqMessage[]
  try {
    messages = (await access.client.dlq.listMessages({ dlqIds: [...ids] })).messages
  } catch (error) {
    throw qstashError(error, access, 'reading dead-letter messages')
  }
  const byId = new Map(messages.map((message) => [message.dlqId, message]))
  return { found: ids.flatMap((id) => byId.get(id) ?? []), missing: ids.filter((id) => !byId.has(id)) }
}

/** The message body as text (QStash sends `body`, or `bodyBase64` for non-UTF-8 bodies). */
export function bodyText(message: DlqMessage): string | undefined {
  if (typeof message.body === 'string' && message.body !== '') return message.body
  if (typeof message.bodyBase64 === 'string') return Buffer.from(message.bodyBase64, 'base64').toString('utf8')
  return undefined
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

/** Where each sender writes the event type, as core's decoder looks for it (hook.event, event, type). */
export function eventTypeOf(message: DlqMessage): string | undefined {
  const text = bodyText(message)
  if (text === undefined) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isObject(payload)) return undefined
  if (typeof payload['sourceMessageId'] === 'string') {
    const status = typeof payload['status'] === 'number' ? payload['status'] : 0
    return status < 200 || status >= 300 || typeof payload['dlqId'] === 'string' ? 'qstash.failure' : 'qstash.callback'
  }
  const hook = payload['hook']
  if (isObject(hook) && typeof hook['event'] === 'string') return hook['event']
  for (const field of ['event', 'type', 'notification_type']) {
    if (typeof payload[field] === 'string' && payload[field] !== '') return payload[field] as string
  }
  return undefined
}

/** `42s`, `7m`, `3h`, `2d`: how long ago a unix-millisecond time was. */
export function age(createdAtMs: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - createdAtMs) / 1000))
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`
  return `${Math.floor(seconds / 86_400)}d`
}
