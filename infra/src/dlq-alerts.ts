import * as cloudflare from '@pulumi/cloudflare'
import * as pulumi from '@pulumi/pulumi'
import { DEFAULT_COMPATIBILITY_DATE, DEFAULT_DLQ_SCHEDULE, DEFAULT_QSTASH_REGION } from './defaults.js'
import { DLQ_MONITOR_MODULE, dlqMonitorSource } from './dlq-monitor-source.js'
import { type QStashRegion, qstashBaseUrl } from './qstash/region.js'

export interface DlqAlertsArgs {
  /** Cloudflare account that runs the worker. Required. */
  accountId: pulumi.Input<string>
  /** Worker script name. Default: the component's resource name. */
  scriptName?: pulumi.Input<string>
  /** QStash region whose DLQ is watched. Default: `'eu'`. */
  qstashRegion?: pulumi.Input<QStashRegion>
  /** Overrides the region's REST base URL. Default: the region's URL. */
  qstashBaseUrl?: pulumi.Input<string>
  /** QStash token of that region; bound as a `secret_text`. Required. */
  qstashToken: pulumi.Input<string>
  /** Slack-compatible incoming webhook the summary is posted to; bound as a `secret_text`. Required. */
  alertWebhookUrl: pulumi.Input<string>
  /** Only report dead letters of this URL group. Default: every dead letter in the region. */
  urlGroupName?: pulumi.Input<string>
  /** Cron expression the worker runs on (UTC). Default: `'*\/5 * * * *'` (every 5 minutes). */
  schedule?: pulumi.Input<string>
  /** Workers compatibility date. Default: `'2024-09-23'`. */
  compatibilityDate?: pulumi.Input<string>
  /** Worker module source. Default: the bundled `worker/dlq-monitor.js`. */
  workerSource?: pulumi.Input<string>
}

/**
 * Dead-letter alerts that do not depend on the app: a cron-triggered Cloudflare Worker reads
 * the QStash DLQ, and posts one summary per run to the alert webhook. Its KV namespace holds
 * the cursor (what was already reported).
 */
export class DlqAlerts extends pulumi.ComponentResource {
  /** Name of the deployed worker script. */
  readonly scriptName: pulumi.Output<string>
  /** KV namespace holding the worker's cursor (bound as `DLQ_STATE`). */
  readonly state: cloudflare.WorkersKvNamespace
  /** The monitor worker. */
  readonly script: cloudflare.WorkersScript
  /** Its cron trigger. */
  readonly cron: cloudflare.WorkersCronTrigger

  constructor(name: string, args: DlqAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('upload-webhooks:index:DlqAlerts', name, {}, opts)

    const scriptName = args.scriptName ?? name
    this.state = new cloudflare.WorkersKvNamespace(
      `${name}-state`,
      { accountId: args.accountId, title: pulumi.interpolate`${scriptName}-state` },
      { parent: this },
    )

    const baseUrl = args.qstashBaseUrl ?? pulumi.output(args.qstashRegion ?? DEFAULT_QSTASH_REGION).apply(qstashBaseUrl)
    const bindings: cloudflare.types.input.WorkersScriptBinding[] = [
      { name: 'DLQ_STATE', type: 'kv_namespace', namespaceId: this.state.id },
      { name: 'QSTASH_URL', type: 'plain_text', text: baseUrl },
      { name: 'QSTASH_TOKEN', type: 'secret_text', text: pulumi.secret(args.qstashToken) },
      { name: 'ALERT_WEBHOOK_URL', type: 'secret_text', text: pulumi.secret(args.alertWebhookUrl) },
    ]
    if (args.urlGroupName !== undefined) {
      bindings.push({ name: 'URL_GROUP', type: 'plain_text', text: args.urlGroupName })
    }

    this.script = new cloudflare.WorkersScript(
      `${name}-script`,
      {
        accountId: args.accountId,
        scriptName,
        // An ES module worker: mainModule names the uploaded part that holds `content`.
        mainModule: DLQ_MONITOR_MODULE,
        content: args.workerSource ?? dlqMonitorSource(),
        compatibilityDate: args.compatibilityDate ?? DEFAULT_COMPATIBILITY_DATE,
        bindings,
      },
      { parent: this },
    )

    this.cron = new cloudflare.WorkersCronTrigger(
      `${name}-cron`,
      { accountId: args.accountId, scriptName: this.script.scriptName, schedules: [{ cron: args.schedule ?? DEFAULT_DLQ_SCHEDULE }] },
      { parent: this },
    )

    this.scriptName = this.script.scriptName
    this.registerOutputs({ scriptName: this.scriptName })
  }
}
