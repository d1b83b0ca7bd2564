import * as cloudflare from '@pulumi/cloudflare'
import * as pulumi from '@pulumi/pulumi'

export interface UploadBucketArgs {
  /** Cloudflare account that owns the bucket. Required (passed explicitly, never inferred). */
  accountId: pulumi.Input<string>
  /** Bucket name. Default: the component's resource name. */
  bucketName?: pulumi.Input<string>
  /** Location hint (`apac`, `eeur`, `enam`, `weur`, `wnam`, `oc`); only honoured at creation. Default: Cloudflare picks. */
  location?: pulumi.Input<string>
  /** Data jurisdiction (`default`, `eu`, `fedramp`). Default: `'default'` (none). */
  jurisdiction?: pulumi.Input<string>
  /** Browser origins allowed to PUT/GET/HEAD objects directly with presigned URLs. Required, at least one. */
  allowedOrigins: pulumi.Input<pulumi.Input<string>[]>
  /** How long browsers may cache the CORS preflight, in seconds. Default: `3600`. */
  corsMaxAgeSeconds?: pulumi.Input<number>
  /** Age after which unfinished multipart uploads are aborted, in days. Default: `1`. */
  abortMultipartAfterDays?: number
  /** Prefix of temporary objects that expire on their own (e.g. `tmp/`). Default: none, nothing expires. */
  tempPrefix?: string
  /** Age after which objects under `tempPrefix` are deleted, in days. Default: `7`. */
  tempPrefixExpiryDays?: number
}

const DAY_SECONDS = 86_400

/**
 * The R2 bucket browsers upload into: CORS for presigned direct uploads, and lifecycle rules
 * so abandoned multipart uploads (and, optionally, temp objects) do not accrue storage.
 */
export class UploadBucket extends pulumi.ComponentResource {
  /** The bucket's name. */
  readonly bucketName: pulumi.Output<string>
  /** The R2 bucket. */
  readonly bucket: cloudflare.R2Bucket
  /** Its CORS policy for browser uploads. */
  readonly cors: cloudflare.R2BucketCors
  /** Its lifecycle rules (multipart abort, temp expiry). */
  readonly lifecycle: cloudflare.R2BucketLifecycle

  constructor(name: string, args: UploadBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super('upload-webhooks:index:UploadBucket', name, {}, opts)

    const jurisdiction = args.jurisdiction ?? 'default'
    this.bucket = new cloudflare.R2Bucket(
      `${name}-bucket`,
      {
        accountId: args.accountId,
        name: args.bucketName ?? name,
        jurisdiction,
        ...(args.location !== undefined ? { location: args.location } : {}),
      },
      { parent: this },
    )
    // Children address the bucket through its outputs so they wait for it to exist.
    const bucketRef = { accountId: this.bucket.accountId, bucketName: this.bucket.name, jurisdiction: this.bucket.jurisdiction }

    this.cors = new cloudflare.R2BucketCors(
      `${name}-cors`,
      {
        ...bucketRef,
        rules: [
          {
            id: 'presigned-browser-uploads',
            allowed: {
              origins: args.allowedOrigins,
              methods: ['PUT', 'GET', 'HEAD'],
              // Presigned PUTs carry Content-Type (and sometimes checksums) chosen by the browser.
              headers: ['content-type', 'content-md5', 'x-amz-checksum-sha256'],
            },
            // The ETag lets a browser complete a multipart upload.
            exposeHeaders: ['ETag'],
            maxAgeSeconds: args.corsMaxAgeSeconds ?? 3600,
          },
        ],
      },
      { parent: this },
    )

    const rules: cloudflare.types.input.R2BucketLifecycleRule[] = [
      {
        id: 'abort-incomplete-multipart-uploads',
        enabled: true,
        conditions: { prefix: '' },
        abortMultipartUploadsTransition: {
          condition: { type: 'Age', maxAge: (args.abortMultipartAfterDays ?? 1) * DAY_SECONDS },
        },
      },
    ]
    if (args.tempPrefix) {
      rules.push({
        id: 'expire-temp-objects',
        enabled: true,
        conditions: { prefix: args.tempPrefix },
        deleteObjectsTransition: {
          condition: { type: 'Age', maxAge: (args.tempPrefixExpiryDays ?? 7) * DAY_SECONDS },
        },
      })
    }
    this.lifecycle = new cloudflare.R2BucketLifecycle(`${name}-lifecycle`, { ...bucketRef, rules }, { parent: this })

    this.bucketName = this.bucket.name
    this.registerOutputs({ bucketName: this.bucketName })
  }
}
