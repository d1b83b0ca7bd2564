import * as pulumi from '@pulumi/pulumi'
import { DedupeRedis } from './dedupe-redis.js'
import { DEFAULT_QSTASH_REGION, DEFAULT_REDIS_REGION } from './defaults.js'
import { DlqAlerts } from './dlq-alerts.js'
import type { QStashRegion } from './qstash/region.js'
import { QStashSigningKeys } from './qstash-signing-keys.js'
import { QStashUrlGroup, type UrlGroupEndpoint } from './qstash-url-group.js'
import { UploadBucket } from './upload-bucket.js'
import { UploadEvents, type UploadEventsArgs } from './upload-events.js'
import { UploadcareWebhooks, type UploadcareWebhooksArgs } from './uploadcare-webhooks.js'

export interface UploadWebhookPipelineArgs {
  /** Cloudflare account for the bucket and the DLQ worker. Required. */
  accountId: pulumi.Input<string>
  /** QStash token of `qstashRegion`; kept secret everywhere. Required. */
  qstashToken: pulumi.Input<string>
  /** QStash region (`eu` or `us`); must match the token. Default: `'eu'`. */
  qstashRegion?: QStashRegion
  /** Overrides the QStash REST base URL (e.g. a local QStash dev server). Default: the region's URL. */
  qstashBaseUrl?: pulumi.Input<string>
  /** The app's webhook endpoints the URL group delivers to (https). Required, at least one. */
  webhookUrls: pulumi.Input<pulumi.Input<string | UrlGroupEndpoint>[]>
  /** Browser origins allowed to upload straight into the bucket. Required, at least one. */
  allowedOrigins: pulumi.Input<pulumi.Input<string>[]>
  /** Slack-compatible webhook for DLQ alerts; kept secret. Required. */
  alertWebhookUrl: pulumi.Input<string>
  /** R2 bucket name. Default: `<component name>-uploads`. */
  bucketName?: pulumi.Input<string>
  /** R2 location hint. Default: Cloudflare picks. */
  bucketLocation?: pulumi.Input<string>
  /** R2 jurisdiction (`default`, `eu`, `fedramp`). Default: `'default'`. */
  bucketJurisdiction?: pulumi.Input<string>
  /** Prefix of objects that expire on their own. Default: none. */
  tempPrefix?: string
  /** Days before objects under `tempPrefix` are deleted. Default: `7`. */
  tempPrefixExpiryDays?: number
  /** QStash URL group name. Default: the component's name. */
  urlGroupName?: pulumi.Input<string>
  /** Signing-key rotation trigger; a new value rotates once. Default: `''` (never). */
  rotateSigningKeys?: pulumi.Input<string>
  /** Dedupe Redis: create one on Upstash, or bring your own REST URL/token. Default: `{ create: true }`, named `<component name>-dedupe`, in the QStash region's Redis region (`eu-central-1` / `us-east-1`). */
  redis?:
    | { create: true; primaryRegion?: pulumi.Input<string>; databaseName?: pulumi.Input<string> }
    | { create: false; restUrl: pulumi.Input<string>; restToken: pulumi.Input<string> }
  /** Cron schedule of the DLQ monitor. Default: `'*\/5 * * * *'`. */
  dlqAlertsSchedule?: pulumi.Input<string>
  /** Uploadcare webhook subscriptions to the app; `targetUrl` defaults to the first `webhookUrls` entry. Default: none. */
  uploadcare?: Omit<UploadcareWebhooksArgs, 'targetUrl'> & { targetUrl?: pulumi.Input<string> }
  /**
   * New objects in the bucket become `onUploadComplete` webhooks (R2 notifications → queue →
   * consumer worker → QStash URL group); `false` turns it off. Default: on, with UploadEvents' defaults.
   */
  uploadEvents?:
    | false
    | Omit<
        UploadEventsArgs,
        'accountId' | 'bucketName' | 'bucketJurisdiction' | 'qstashToken' | 'qstashRegion' | 'qstashBaseUrl' | 'urlGroupName'
      >
}

/** The app's environment variables this stack provides; `pulumi stack output` lists exactly these. */
export interface PipelineEnv {
  QSTASH_CURRENT_SIGNING_KEY: pulumi.Output<string>
  QSTASH_NEXT_SIGNING_KEY: pulumi.Output<string>
  UPSTASH_REDIS_REST_URL: pulumi.Output<string>
  UPSTASH_REDIS_REST_TOKEN: pulumi.Output<string>
  /** The first `webhookUrls` entry: the URL QStash signs, which the app must verify against. */
  WEBHOOK_PUBLIC_URL: pulumi.Output<string>
  /** Read by the CLI's `dlq` commands. */
  QSTASH_URL_GROUP: pulumi.Output<string>
  /** Only with `uploadcare`. */
  UPLOADCARE_WEBHOOK_SECRET?: pulumi.Output<string>
}

/**
 * Everything an upload-webhooks app needs, in one component. Its outputs are exactly the
 * app's environment variables.
 */
export class UploadWebhookPipeline extends pulumi.ComponentResource {
  /** The upload bucket. */
  readonly bucket: UploadBucket
  /** The URL group publishers send to (`QSTASH_URL_GROUP`). */
  readonly urlGroup: QStashUrlGroup
  /** The region's signing keys (`QSTASH_CURRENT_SIGNING_KEY`, `QSTASH_NEXT_SIGNING_KEY`). */
  readonly signingKeys: QStashSigningKeys
  /** The dedupe Redis (`UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_TOKEN`). */
  readonly redis: DedupeRedis
  /** The DLQ monitor. */
  readonly dlqAlerts: DlqAlerts
  /** Uploadcare subscriptions (`UPLOADCARE_WEBHOOK_SECRET`), when asked for. */
  readonly uploadcare: UploadcareWebhooks | undefined
  /** Bucket → queue → worker → QStash publishing of new objects; undefined when turned off. */
  readonly uploadEvents: UploadEvents | undefined
  /** The app's environment, variable by variable; secrets stay secret. */
  readonly env: PipelineEnv

  constructor(name: string, args: UploadWebhookPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super('upload-webhooks:index:UploadWebhookPipeline', name, {}, opts)

    const region = args.qstashRegion ?? DEFAULT_QSTASH_REGION
    const qstash = {
      region,
      token: pulumi.secret(args.qstashToken),
      ...(args.qstashBaseUrl !== undefined ? { baseUrl: args.qstashBaseUrl } : {}),
    }

    this.bucket = new UploadBucket(
      `${name}-uploads`,
      {
        accountId: args.accountId,
        bucketName: args.bucketName ?? `${name}-uploads`,
        allowedOrigins: args.allowedOrigins,
        ...(args.bucketLocation !== undefined ? { location: args.bucketLocation } : {}),
        ...(args.bucketJurisdiction !== undefined ? { jurisdiction: args.bucketJurisdiction } : {}),
        ...(args.tempPrefix !== undefined ? { tempPrefix: args.tempPrefix } : {}),
        ...(args.tempPrefixExpiryDays !== undefined ? { tempPrefixExpiryDays: args.tempPrefixExpiryDays } : {}),
      },
      { parent: this },
    )

    this.urlGroup = new QStashUrlGroup(
      `${name}-urlgroup`,
      { ...qstash, name: args.urlGroupName ?? name, endpoints: args.webhookUrls },
      { parent: this },
    )

    this.signingKeys = new QStashSigningKeys(
      `${name}-signing`,
      { ...qstash, ...(args.rotateSigningKeys !== undefined ? { rotate: args.rotateSigningKeys } : {}) },
      { parent: this },
    )

    const redis = args.redis ?? { create: true }
    this.redis = new DedupeRedis(
      `${name}-dedupe`,
      redis.create
        ? {
            create: true,
            databaseName: redis.databaseName ?? `${name}-dedupe`,
            primaryRegion: redis.primaryRegion ?? DEFAULT_REDIS_REGION[region],
          }
        : { create: false, restUrl: redis.restUrl, restToken: redis.restToken },
      { parent: this },
    )

    this.dlqAlerts = new DlqAlerts(
      `${name}-dlq-alerts`,
      {
        accountId: args.accountId,
        qstashRegion: region,
        ...(args.qstashBaseUrl !== undefined ? { qstashBaseUrl: args.qstashBaseUrl } : {}),
        qstashToken: qstash.token,
        alertWebhookUrl: pulumi.secret(args.alertWebhookUrl),
        // Report only this pipeline's dead letters: the QStash account may serve other apps.
        urlGroupName: this.urlGroup.name,
        ...(args.dlqAlertsSchedule !== undefined ? { schedule: args.dlqAlertsSchedule } : {}),
      },
      { parent: this },
    )

    const webhookPublicUrl = pulumi.output(args.webhookUrls).apply((list) => {
      const first = list[0]
      if (first === undefined) throw new Error('UploadWebhookPipeline: webhookUrls is empty. Fix: list the app’s webhook URL(s).')
      return typeof first === 'string' ? first : first.url
    })
    this.uploadcare = args.uploadcare
      ? new UploadcareWebhooks(
          `${name}-uploadcare`,
          { ...args.uploadcare, targetUrl: args.uploadcare.targetUrl ?? webhookPublicUrl },
          { parent: this },
        )
      : undefined

    this.uploadEvents =
      args.uploadEvents === false
        ? undefined
        : new UploadEvents(
            `${name}-upload-events`,
            {
              ...args.uploadEvents,
              accountId: args.accountId,
              bucketName: this.bucket.bucketName,
              ...(args.bucketJurisdiction !== undefined ? { bucketJurisdiction: args.bucketJurisdiction } : {}),
              qstashToken: qstash.token,
              qstashRegion: region,
              ...(args.qstashBaseUrl !== undefined ? { qstashBaseUrl: args.qstashBaseUrl } : {}),
              // An output of the URL group: the worker is deployed once the group exists.
              urlGroupName: this.urlGroup.name,
            },
            { parent: this },
          )

    this.env = {
      QSTASH_CURRENT_SIGNING_KEY: this.signingKeys.current,
      QSTASH_NEXT_SIGNING_KEY: this.signingKeys.next,
      UPSTASH_REDIS_REST_URL: this.redis.restUrl,
      UPSTASH_REDIS_REST_TOKEN: this.redis.restToken,
      WEBHOOK_PUBLIC_URL: webhookPublicUrl,
      QSTASH_URL_GROUP: this.urlGroup.name,
      ...(this.uploadcare ? { UPLOADCARE_WEBHOOK_SECRET: this.uploadcare.signingSecret } : {}),
    }
    this.registerOutputs(this.env)
  }
}
