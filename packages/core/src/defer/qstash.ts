// `@upload-webhooks/core/qstash`: the router hands deliveries to QStash, which delivers each job
// to the app's own consumer route (`createWorker().handle`). Its own subpath so only apps that
// use it load `@upstash/qstash` (an optional peer).
import { Client } from '@upstash/qstash'
import { WebhookConfigError } from '../errors.js'
import { checkPublicUrl, numberOption } from '../options.js'
import { randomId, readEnv } from '../runtime.js'
import { type DeferEngine, untilAborted } from './job.js'

export type { DeferEngine, DeferredJob, EnqueueRequest } from './job.js'

/** QStash flow control: at most `parallelism` deliveries at once and `rate` per `period` under one `key`. */
export interface QStashFlowControl {
  key: string
  parallelism?: number
  rate?: number
  period?: `${bigint}s` | `${bigint}m` | `${bigint}h` | `${bigint}d` | number
}

export interface DeferToQStashOptions {
  /** The consumer route's absolute public URL (where `createWorker().handle` answers); also its failure callback. Required. */
  url: string
  /** QStash retries after a failed delivery, 0 to 100; after the last, the failure callback dead-letters the job. Default: QStash's (your plan's maximum). */
  retries?: number
  /** Seconds QStash waits for the consumer's answer, 1 to 86 400. Default: QStash's (your plan's maximum). */
  timeout?: number
  /** Limits how fast QStash delivers jobs to the consumer. Default: none. */
  flowControl?: QStashFlowControl
  /** QStash token. Default: `process.env.QSTASH_TOKEN`. */
  token?: string
  /** QStash API base URL (a region, or a local QStash). Default: `process.env.QSTASH_URL`, else QStash's. */
  baseUrl?: string
}

const OWNER = 'deferToQStash()'

function tokenOf(option: string | undefined): string {
  const token = (option ?? readEnv('QSTASH_TOKEN'))?.trim()
  if (!token) throw new WebhookConfigError(`${OWNER}: set QSTASH_TOKEN (QStash console → Request builder) or pass \`token\``)
  return token
}

/**
 * Defers deliveries to QStash: `defer: deferToQStash({ url: 'https://your.app/api/jobs' })`.
 * Each job is published as JSON to `url` with `Upstash-Deduplication-Id` set to its dedupe ID and
 * `url` as its failure callback, so the consumer route also hears when QStash gives up. A publish
 * QStash reports deduplicated is published again under a fresh ID: the earlier job may be one
 * QStash gave up on (a dead letter the sender now re-delivers), and the worker's own guard makes
 * a second job harmless when it was not.
 */
export function deferToQStash(options: DeferToQStashOptions): DeferEngine {
  if (!options || typeof options !== 'object') throw new WebhookConfigError(`${OWNER}: pass { url: 'https://your.app/api/jobs' }`)
  const url = checkPublicUrl(OWNER, 'url', options.url)
  const retries =
    options.retries === undefined ? undefined : numberOption(OWNER, 'retries', options.retries, 0, { min: 0, max: 100, integer: true })
  const timeout =
    options.timeout === undefined ? undefined : numberOption(OWNER, 'timeout', options.timeout, 0, { min: 1, max: 86_400, integer: true })
  const flowControl = options.flowControl
  if (flowControl !== undefined && (typeof flowControl !== 'object' || !flowControl.key)) {
    throw new WebhookConfigError(`${OWNER}: \`flowControl\` needs a \`key\`, e.g. { key: 'uploads', parallelism: 5 }`)
  }
  const baseUrl = options.baseUrl ?? readEnv('QSTASH_URL')?.trim()
  // No client retries: the sender's retry of a 503 is the retry, inside the ingress's deadline.
  const client = new Client({ token: tokenOf(options.token), retry: false, ...(baseUrl ? { baseUrl } : {}) })
  return {
    name: 'qstash',
    async enqueue({ job, dedupeId, signal }) {
      const publish = (deduplicationId: string) =>
        client.publishJSON({
          url,
          body: job,
          deduplicationId,
          failureCallback: url,
          ...(retries === undefined ? {} : { retries }),
          ...(timeout === undefined ? {} : { timeout }),
          ...(flowControl ? { flowControl: flowControl as never } : {}),
        })
      const publishing = (async () => {
        const published = await publish(dedupeId)
        if (published.deduplicated) await publish(`${dedupeId}_${randomId('')}`)
      })()
      await untilAborted(publishing, signal)
    },
  }
}
