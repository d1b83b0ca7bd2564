import * as cloudflare from '@pulumi/cloudflare'
import * as pulumi from '@pulumi/pulumi'
import { type QStashRegion, qstashBaseUrl } from './qstash/region.js'
import { UPLOAD_CONSUMER_MODULE, uploadConsumerSource } from './upload-consumer-source.js'

/** R2 actions that create an object version, and so an `onUploadComplete`. */
export const UPLOAD_ACTIONS = ['PutObject', 'CompleteMultipartUpload', 'CopyObject'] as const

export interface UploadEventsArgs {
  /** Cloudflare account of the bucket, queues and worker. Required. */
  accountId: pulumi.Input<string>
  /** The R2 bucket whose new objects become webhooks. Required. */
  bucketName: pulumi.Input<string>
  /** The bucket's jurisdiction (`default`, `eu`, `fedramp`). Default: `'default'`. */
  bucketJurisdiction?: pulumi.Input<string>
  /** QStash token of the region; bound as a `secret_text`. Required. */
  qstashToken: pulumi.Input<string>
  /** QStash region the worker publishes to. Default: `'eu'`. */
  qstashRegion?: pulumi.Input<QStashRegion>
  /** Overrides the region's REST base URL. Default: the region's URL. */
  qstashBaseUrl?: pulumi.Input<string>
  /** URL group the webhook is published to. Required. */
  urlGroupName: pulumi.Input<string>
  /** Public base URL of the bucket (custom domain or r2.dev); `file.url` = base + key. Default: none (no `file.url`). */
  publicBaseUrl?: pulumi.Input<string>
  /** Sent as `Upstash-Failure-Callback`: the app's route, so exhausted deliveries reach `qstash.failure`. Default: none. */
  failureCallbackUrl?: pulumi.Input<string>
  /** Only objects whose key starts with this. Default: every key. */
  prefix?: string
  /** Only objects whose key ends with this. Default: every key. */
  suffix?: string
  /** Queue name; the dead-letter queue is `<queueName>-dlq`. Default: the component's name. */
  queueName?: string
  /** Consumer worker script name. Default: `<component name>-consumer`. */
  scriptName?: string
  /** Messages per consumer batch (1–100). Default: `10`. */
  batchSize?: number
  /** Retries before a message moves to the dead-letter queue (0–100). Default: `5`. */
  maxRetries?: number
  /** Seconds before a retry when QStash sent no `Retry-After` (0–43200). Default: `30`. */
  retryDelaySeconds?: number
  /**
   * How long the dead-letter queue keeps messages (60–1209600 s); nothing consumes it, so this is
   * the time you have to look at them. Paid plans only. Default: the queue's default (4 days; 24 h on Workers Free).
   */
  deadLetterRetentionSeconds?: number
  /** Workers compatibility date. Default: `'2024-09-23'`. */
  compatibilityDate?: string
  /** Worker module source. Default: the bundled `worker/upload-consumer.js`. */
  workerSource?: pulumi.Input<string>
}

function checkInteger(option: string, value: number | undefined, min: number, max: number, fallback: number): number {
  const v = value ?? fallback
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`UploadEvents: ${option} is ${value}; set a whole number from ${min} to ${max} (default ${fallback}).`)
  }
  return v
}

function checkUrl(option: string, value: pulumi.Input<string> | undefined): void {
  if (typeof value !== 'string') return // an Output: known only at deploy time
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
    throw new Error(`UploadEvents: ${option} is ${JSON.stringify(value)}; set an absolute https:// URL.`)
  }
}

function checkArgs(args: UploadEventsArgs) {
  checkUrl('publicBaseUrl', args.publicBaseUrl)
  checkUrl('failureCallbackUrl', args.failureCallbackUrl)
  if (args.prefix === '' || args.suffix === '') {
    throw new Error('UploadEvents: prefix and suffix must be non-empty when set; leave them unset to match every key.')
  }
  return {
    batchSize: checkInteger('batchSize', args.batchSize, 1, 100, 10),
    maxRetries: checkInteger('maxRetries', args.maxRetries, 0, 100, 5),
    retryDelay: checkInteger('retryDelaySeconds', args.retryDelaySeconds, 0, 43_200, 30),
    deadLetterRetention:
      args.deadLetterRetentionSeconds === undefined
        ? undefined
        : checkInteger('deadLetterRetentionSeconds', args.deadLetterRetentionSeconds, 60, 1_209_600, 345_600),
  }
}

/**
 * Closes the loop from bucket to app: R2 event notifications for new objects go to a
 * Cloudflare Queue, whose consumer worker publishes one `onUploadComplete` per object
 * version to the QStash URL group. Messages that keep failing land in a dead-letter queue.
 */
export class UploadEvents extends pulumi.ComponentResource {
  /** Queue the bucket notifies. */
  readonly queue: cloudflare.Queue
  /** Where messages go after `maxRetries` failed attempts. */
  readonly deadLetterQueue: cloudflare.Queue
  /** The consumer worker. */
  readonly script: cloudflare.WorkersScript
  /** Binds the worker to the queue (batch size, retries, dead-letter queue). */
  readonly consumer: cloudflare.QueueConsumer
  /** The bucket's event notification rule. */
  readonly notification: cloudflare.R2BucketEventNotification
  /** Name of the queue. */
  readonly queueName: pulumi.Output<string>

  constructor(name: string, args: UploadEventsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so a mistake leaves no half-registered component.
    const { batchSize, maxRetries, retryDelay, deadLetterRetention } = checkArgs(args)
    super('upload-webhooks:index:UploadEvents', name, {}, opts)

    const queueName = args.queueName ?? name
    const jurisdiction = args.bucketJurisdiction !== undefined ? { jurisdiction: args.bucketJurisdiction } : {}
    this.queue = new cloudflare.Queue(`${name}-queue`, { accountId: args.accountId, queueName }, { parent: this })
    this.deadLetterQueue = new cloudflare.Queue(
      `${name}-dlq`,
      {
        accountId: args.accountId,
        queueName: `${queueName}-dlq`,
        ...(deadLetterRetention !== undefined ? { settings: { messageRetentionPeriod: deadLetterRetention } } : {}),
      },
      { parent: this },
    )

    const bindings: cloudflare.types.input.WorkersScriptBinding[] = [
      { name: 'UPLOAD_BUCKET', type: 'r2_bucket', bucketName: args.bucketName, ...jurisdiction },
      { name: 'QSTASH_URL', type: 'plain_text', text: args.qstashBaseUrl ?? pulumi.output(args.qstashRegion ?? 'eu').apply(qstashBaseUrl) },
      { name: 'QSTASH_TOKEN', type: 'secret_text', text: pulumi.secret(args.qstashToken) },
      { name: 'URL_GROUP', type: 'plain_text', text: args.urlGroupName },
    ]
    if (args.publicBaseUrl !== undefined) bindings.push({ name: 'PUBLIC_BASE_URL', type: 'plain_text', text: args.publicBaseUrl })
    if (args.failureCallbackUrl !== undefined) {
      bindings.push({ name: 'FAILURE_CALLBACK_URL', type: 'plain_text', text: args.failureCallbackUrl })
    }

    this.script = new cloudflare.WorkersScript(
      `${name}-consumer`,
      {
        accountId: args.accountId,
        scriptName: args.scriptName ?? `${name}-consumer`,
        // An ES module worker: mainModule names the uploaded part that holds `content`.
        mainModule: UPLOAD_CONSUMER_MODULE,
        content: args.workerSource ?? uploadConsumerSource(),
        compatibilityDate: args.compatibilityDate ?? '2024-09-23',
        bindings,
      },
      { parent: this },
    )

    this.consumer = new cloudflare.QueueConsumer(
      `${name}-queue-consumer`,
      {
        accountId: args.accountId,
        queueId: this.queue.queueId,
        scriptName: this.script.scriptName,
        type: 'worker',
        deadLetterQueue: this.deadLetterQueue.queueName,
        settings: { batchSize, maxRetries, retryDelay },
      },
      { parent: this },
    )

    // After the consumer exists, so no notification waits in a queue nobody reads.
    this.notification = new cloudflare.R2BucketEventNotification(
      `${name}-notification`,
      {
        accountId: args.accountId,
        bucketName: args.bucketName,
        ...jurisdiction,
        queueId: this.queue.queueId,
        rules: [
          {
            actions: [...UPLOAD_ACTIONS],
            description: 'upload-webhooks: new objects become onUploadComplete webhooks',
            ...(args.prefix !== undefined ? { prefix: args.prefix } : {}),
            ...(args.suffix !== undefined ? { suffix: args.suffix } : {}),
          },
        ],
      },
      { parent: this, dependsOn: [this.consumer] },
    )

    this.queueName = this.queue.queueName
    this.registerOutputs({ queueName: this.queueName })
  }
}
