import * as pulumi from '@pulumi/pulumi'
import * as upstash from '@upstash/pulumi'
import { DEFAULT_QSTASH_REGION, DEFAULT_REDIS_REGION } from './defaults.js'

export interface DedupeRedisArgs {
  /** Create an Upstash Redis database. When `false`, `restUrl` and `restToken` are required. Default: `true`. */
  create?: boolean
  /** Name of the created database. Default: the component's resource name. */
  databaseName?: pulumi.Input<string>
  /** Primary region of the created (global) database, e.g. `eu-central-1`. Default: `'eu-central-1'`. */
  primaryRegion?: pulumi.Input<string>
  /** Read replica regions of the created database. Default: none. */
  readRegions?: pulumi.Input<pulumi.Input<string>[]>
  /** Monthly budget cap of the created database, in USD. Default: Upstash's default ($20). */
  budget?: pulumi.Input<number>
  /** REST URL of an existing Redis (Upstash or compatible), used when `create` is `false`. Default: none. */
  restUrl?: pulumi.Input<string>
  /** REST token for `restUrl`; stored encrypted. Default: none. */
  restToken?: pulumi.Input<string>
}

/**
 * The Redis the app's dedupe store claims delivery IDs in: an Upstash database we create, or
 * the user's own. Either way the app sees only `UPSTASH_REDIS_REST_URL` / `_TOKEN`.
 */
export class DedupeRedis extends pulumi.ComponentResource {
  /** `UPSTASH_REDIS_REST_URL`; secret (it names the database). */
  readonly restUrl: pulumi.Output<string>
  /** `UPSTASH_REDIS_REST_TOKEN`; secret. */
  readonly restToken: pulumi.Output<string>
  /** The created database, when `create` is true. */
  readonly database?: upstash.RedisDatabase

  constructor(name: string, args: DedupeRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so a mistake leaves no half-registered component.
    const external = externalRedis(name, args)
    super('upload-webhooks:index:DedupeRedis', name, {}, opts)

    if (external) {
      this.restUrl = pulumi.secret(external.restUrl)
      this.restToken = pulumi.secret(external.restToken)
    } else {
      this.database = new upstash.RedisDatabase(
        `${name}-db`,
        {
          databaseName: args.databaseName ?? name,
          region: 'global',
          primaryRegion: args.primaryRegion ?? DEFAULT_REDIS_REGION[DEFAULT_QSTASH_REGION],
          ...(args.readRegions !== undefined ? { readRegions: args.readRegions } : {}),
          ...(args.budget !== undefined ? { budget: args.budget } : {}),
          tls: true,
          // Evicting a dedupe key would let a retried delivery run its handler twice.
          eviction: false,
        },
        { parent: this },
      )
      this.restUrl = pulumi.secret(pulumi.interpolate`https://${this.database.endpoint}`)
      this.restToken = pulumi.secret(this.database.restToken)
    }

    this.registerOutputs({ restUrl: this.restUrl, restToken: this.restToken })
  }
}

/** The user's own Redis when `create` is false; throws on contradictory arguments. */
function externalRedis(
  name: string,
  args: DedupeRedisArgs,
): { restUrl: pulumi.Input<string>; restToken: pulumi.Input<string> } | undefined {
  if (args.create ?? true) {
    if (args.restUrl !== undefined || args.restToken !== undefined) {
      throw new Error(`DedupeRedis ${name}: restUrl/restToken are only used with create: false`)
    }
    return undefined
  }
  if (args.restUrl === undefined || args.restToken === undefined) {
    throw new Error(`DedupeRedis ${name}: with create: false, pass restUrl and restToken of your Redis`)
  }
  return { restUrl: args.restUrl, restToken: args.restToken }
}
