import * as pulumi from '@pulumi/pulumi'
import * as random from '@pulumi/random'
import { DEFAULT_UPLOADCARE_API_URL, DEFAULT_UPLOADCARE_EVENTS, DEFAULT_UPLOADCARE_PAYLOAD_VERSION } from './defaults.js'
import type { UploadcareAuth } from './uploadcare/http.js'
import {
  UPLOADCARE_EVENTS,
  type UploadcareEvent,
  type UploadcareWebhookInputs,
  uploadcareWebhookProvider,
} from './uploadcare/webhook-provider.js'

export type { UploadcareAuth } from './uploadcare/http.js'
export { UPLOADCARE_EVENTS, type UploadcareEvent } from './uploadcare/webhook-provider.js'

export interface UploadcareWebhooksArgs {
  /** Public key of the Uploadcare project. Required. */
  publicKey: pulumi.Input<string>
  /** Secret API key of that project; stored encrypted. Required. */
  secretKey: pulumi.Input<string>
  /** Where Uploadcare delivers: the app's webhook route (https). Required. */
  targetUrl: pulumi.Input<string>
  /** Events to subscribe the target URL to, each once. Default: `['file.uploaded']`. */
  events?: readonly UploadcareEvent[]
  /** `'signed'` (an HMAC signature per request) or `'simple'` (`Uploadcare.Simple public:secret`). Default: `'signed'`. */
  auth?: UploadcareAuth
  /** Whether Uploadcare delivers to the subscriptions. Default: `true`. */
  isActive?: pulumi.Input<boolean>
  /** A new value generates a new signing secret (then redeploy the app with it). Default: `''` (keep it). */
  rotateSigningSecret?: string
  /** Overrides the REST API base URL. Default: `'https://api.uploadcare.com'`. */
  baseUrl?: pulumi.Input<string>
}

type SubscriptionProps = { [K in keyof UploadcareWebhookInputs]: pulumi.Input<UploadcareWebhookInputs[K]> }

/** The dynamic resource behind one subscription of {@link UploadcareWebhooks}. */
export class UploadcareWebhook extends pulumi.dynamic.Resource {
  declare readonly webhookId: pulumi.Output<number>
  declare readonly targetUrl: pulumi.Output<string>
  declare readonly event: pulumi.Output<UploadcareEvent>

  constructor(name: string, props: SubscriptionProps, opts: pulumi.CustomResourceOptions) {
    super(uploadcareWebhookProvider, name, { ...props, webhookId: undefined, project: undefined }, opts, 'uploadcare', 'Webhook')
  }
}

function checkEvents(events: readonly string[]): UploadcareEvent[] {
  const fix = `Fix: pick from ${UPLOADCARE_EVENTS.join(', ')}, each once.`
  if (events.length === 0) throw new Error(`UploadcareWebhooks: events is empty. ${fix}`)
  for (const e of events) {
    if (!(UPLOADCARE_EVENTS as readonly string[]).includes(e))
      throw new Error(`UploadcareWebhooks: event "${e}" is not an Uploadcare webhook event. ${fix}`)
  }
  if (new Set(events).size !== events.length) throw new Error(`UploadcareWebhooks: events lists an event twice. ${fix}`)
  return events as UploadcareEvent[]
}

/**
 * Uploadcare webhook subscriptions as code: the app's route subscribed to each event, all
 * signed with one generated secret (`UPLOADCARE_WEBHOOK_SECRET`, which core's `uploadcare()`
 * verifier reads). An existing identical subscription is adopted rather than duplicated.
 */
export class UploadcareWebhooks extends pulumi.ComponentResource {
  /** Secret Uploadcare signs deliveries with (`X-Uc-Signature`): the app's `UPLOADCARE_WEBHOOK_SECRET`. */
  readonly signingSecret: pulumi.Output<string>
  /** One subscription per event. */
  readonly subscriptions: UploadcareWebhook[]

  constructor(name: string, args: UploadcareWebhooksArgs, opts?: pulumi.ComponentResourceOptions) {
    super('upload-webhooks:index:UploadcareWebhooks', name, {}, opts)
    const events = checkEvents(args.events ?? DEFAULT_UPLOADCARE_EVENTS)
    const auth = args.auth ?? 'signed'
    if (auth !== 'signed' && auth !== 'simple') throw new Error(`UploadcareWebhooks: auth is "${auth}". Fix: use 'signed' or 'simple'.`)

    // 32 letters and digits: the API's maximum length, and safe in any env file.
    const secret = new random.RandomPassword(
      `${name}-signing-secret`,
      { length: 32, special: false, ...(args.rotateSigningSecret ? { keepers: { rotate: args.rotateSigningSecret } } : {}) },
      { parent: this },
    )
    this.signingSecret = pulumi.secret(secret.result)

    this.subscriptions = events.map(
      (event) =>
        new UploadcareWebhook(
          `${name}-${event}`,
          {
            baseUrl: args.baseUrl ?? DEFAULT_UPLOADCARE_API_URL,
            publicKey: args.publicKey,
            secretKey: pulumi.secret(args.secretKey),
            auth,
            targetUrl: args.targetUrl,
            event,
            isActive: args.isActive ?? true,
            version: DEFAULT_UPLOADCARE_PAYLOAD_VERSION,
            signingSecret: this.signingSecret,
          },
          // Keys and the signing secret are kept in state (delete needs them): make the engine encrypt them.
          { parent: this, additionalSecretOutputs: ['secretKey', 'signingSecret'] },
        ),
    )
    this.registerOutputs({ signingSecret: this.signingSecret })
  }
}
