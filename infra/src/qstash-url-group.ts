import * as pulumi from '@pulumi/pulumi'
import { DEFAULT_QSTASH_REGION } from './defaults.js'
import { type QStashRegion, qstashBaseUrl } from './qstash/region.js'
import { type UrlGroupEndpoint, urlGroupProvider } from './qstash/url-group-provider.js'

export type { UrlGroupEndpoint } from './qstash/url-group-provider.js'

export interface QStashUrlGroupArgs {
  /** URL group (topic) name. Default: the component's resource name. */
  name?: pulumi.Input<string>
  /** QStash region the token belongs to. Default: `'eu'`. */
  region?: pulumi.Input<QStashRegion>
  /** Overrides the region's REST base URL (e.g. a local QStash dev server). Default: the region's URL. */
  baseUrl?: pulumi.Input<string>
  /** QStash token of that region; stored encrypted. Required. */
  token: pulumi.Input<string>
  /** Destinations (https URLs, optionally named) QStash fans each message out to. Required, at least one. */
  endpoints: pulumi.Input<pulumi.Input<string | UrlGroupEndpoint>[]>
}

/** The dynamic resource behind {@link QStashUrlGroup}. */
class UrlGroupResource extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>
  declare readonly endpoints: pulumi.Output<UrlGroupEndpoint[]>

  constructor(
    name: string,
    props: {
      name: pulumi.Input<string>
      baseUrl: pulumi.Input<string>
      token: pulumi.Input<string>
      endpoints: pulumi.Input<UrlGroupEndpoint[]>
    },
    opts: pulumi.CustomResourceOptions,
  ) {
    super(urlGroupProvider, name, props, opts, 'qstash', 'UrlGroup')
  }
}

/**
 * A QStash URL group: one publish address that fans out to the app's webhook endpoints.
 * Owned here rather than taken from `@upstash/pulumi`, which only reaches the EU region and
 * needs a provider plugin download.
 */
export class QStashUrlGroup extends pulumi.ComponentResource {
  /** The URL group name publishers address. */
  readonly name: pulumi.Output<string>
  /** Endpoints as applied, sorted. */
  readonly endpoints: pulumi.Output<UrlGroupEndpoint[]>
  /** The dynamic resource holding the group. */
  readonly group: pulumi.dynamic.Resource

  constructor(name: string, args: QStashUrlGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super('upload-webhooks:index:QStashUrlGroup', name, {}, opts)

    const baseUrl = args.baseUrl ?? pulumi.output(args.region ?? DEFAULT_QSTASH_REGION).apply(qstashBaseUrl)
    const endpoints = pulumi.output(args.endpoints).apply((list) => list.map((e) => (typeof e === 'string' ? { url: e } : e)))
    const group = new UrlGroupResource(
      `${name}-group`,
      { name: args.name ?? name, baseUrl, token: pulumi.secret(args.token), endpoints },
      // The token is kept in state (delete needs it), so make sure the engine encrypts it.
      { parent: this, additionalSecretOutputs: ['token'] },
    )
    this.group = group
    this.name = group.name
    this.endpoints = group.endpoints

    this.registerOutputs({ name: this.name, endpoints: this.endpoints })
  }
}
