import * as pulumi from '@pulumi/pulumi'
import type { StackConfig } from './config.js'
import { UploadWebhookPipeline } from './pipeline.js'

/** Builds the stack from validated config; `pipeline.env` holds the stack outputs. */
export function program(config: StackConfig): UploadWebhookPipeline {
  return new UploadWebhookPipeline(pulumi.getProject(), {
    accountId: config.accountId,
    qstashToken: pulumi.secret(config.qstashToken),
    qstashRegion: config.qstashRegion,
    webhookUrls: config.webhookUrls,
    allowedOrigins: config.allowedOrigins,
    alertWebhookUrl: pulumi.secret(config.alertWebhookUrl),
    bucketName: config.bucketName,
    ...(config.bucketLocation !== undefined ? { bucketLocation: config.bucketLocation } : {}),
    ...(config.bucketJurisdiction !== undefined ? { bucketJurisdiction: config.bucketJurisdiction } : {}),
    ...(config.tempPrefix !== undefined ? { tempPrefix: config.tempPrefix } : {}),
    ...(config.tempPrefixExpiryDays !== undefined ? { tempPrefixExpiryDays: config.tempPrefixExpiryDays } : {}),
    urlGroupName: config.urlGroupName,
    rotateSigningKeys: config.rotateSigningKeys,
    redis: config.redis.create
      ? { create: true, primaryRegion: config.redis.primaryRegion, databaseName: config.redis.databaseName }
      : { create: false, restUrl: config.redis.restUrl, restToken: pulumi.secret(config.redis.restToken) },
    dlqAlertsSchedule: config.dlqAlertsSchedule,
    ...(config.uploadcare !== undefined
      ? {
          uploadcare: {
            publicKey: config.uploadcare.publicKey,
            secretKey: pulumi.secret(config.uploadcare.secretKey),
            events: config.uploadcare.events,
            targetUrl: config.uploadcare.targetUrl,
            auth: config.uploadcare.auth,
          },
        }
      : {}),
    uploadEvents: config.uploadEvents,
  })
}
