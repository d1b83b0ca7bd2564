import * as pulumi from '@pulumi/pulumi'
import type { StackConfig } from './config.js'
import { UploadWebhookPipeline } from './pipeline.js'

/** Builds the stack from validated config and returns its outputs: the app's environment. */
export function program(config: StackConfig): UploadWebhookPipeline['env'] {
  const pipeline = new UploadWebhookPipeline(pulumi.getProject(), {
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
      ? { create: true, primaryRegion: config.redis.primaryRegion }
      : { create: false, restUrl: config.redis.restUrl, restToken: pulumi.secret(config.redis.restToken) },
    dlqAlertsSchedule: config.dlqAlertsSchedule,
  })
  return pipeline.env
}
