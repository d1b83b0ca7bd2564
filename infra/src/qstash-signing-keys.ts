import * as pulumi from '@pulumi/pulumi'
import { DEFAULT_QSTASH_REGION } from './defaults.js'
import { type QStashRegion, qstashBaseUrl } from './qstash/region.js'
import { signingKeysProvider } from './qstash/signing-keys-provider.js'

export interface QStashSigningKeysArgs {
  /** QStash region the token belongs to. Default: `'eu'`. */
  region?: pulumi.Input<QStashRegion>
  /** Overrides the region's REST base URL (e.g. a local QStash dev server). Default: the region's URL. */
  baseUrl?: pulumi.Input<string>
  /** QStash token of that region; stored encrypted. Required. */
  token: pulumi.Input<string>
  /**
   * Rotation trigger. Setting it to a new non-empty value calls `POST /v2/keys/rotate` once
   * on the next `pulumi up` (next → current, a fresh next). Deploy the app with the new keys
   * before changing it again. Default: `''` (never rotate).
   */
  rotate?: pulumi.Input<string>
}

/** The dynamic resource behind {@link QStashSigningKeys}. */
class SigningKeysResource extends pulumi.dynamic.Resource {
  declare readonly current: pulumi.Output<string>
  declare readonly next: pulumi.Output<string>

  constructor(
    name: string,
    props: { baseUrl: pulumi.Input<string>; token: pulumi.Input<string>; rotate: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
  ) {
    super(signingKeysProvider, name, { ...props, current: undefined, next: undefined }, opts, 'qstash', 'SigningKeys')
  }
}

/** The signing keys QStash signs deliveries with in one region, for the app's verifier. */
export class QStashSigningKeys extends pulumi.ComponentResource {
  /** Key QStash signs with now (`QSTASH_CURRENT_SIGNING_KEY`); secret. */
  readonly current: pulumi.Output<string>
  /** Key QStash signs with after the next rotation (`QSTASH_NEXT_SIGNING_KEY`); secret. */
  readonly next: pulumi.Output<string>
  /** The dynamic resource holding the keys. */
  readonly keys: pulumi.dynamic.Resource

  constructor(name: string, args: QStashSigningKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super('upload-webhooks:index:QStashSigningKeys', name, {}, opts)

    const baseUrl = args.baseUrl ?? pulumi.output(args.region ?? DEFAULT_QSTASH_REGION).apply(qstashBaseUrl)
    const keys = new SigningKeysResource(
      `${name}-keys`,
      { baseUrl, token: pulumi.secret(args.token), rotate: args.rotate ?? '' },
      { parent: this, additionalSecretOutputs: ['token', 'current', 'next'] },
    )
    this.keys = keys
    this.current = pulumi.secret(keys.current)
    this.next = pulumi.secret(keys.next)

    this.registerOutputs({ current: this.current, next: this.next })
  }
}
