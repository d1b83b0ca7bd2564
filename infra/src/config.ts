import * as pulumi from '@pulumi/pulumi'
import { parseUploadEventsConfig, type UploadEventsConfig } from './config-upload-events.js'
import { parseUploadcareConfig, type UploadcareConfig } from './config-uploadcare.js'
import { DEFAULT_DLQ_SCHEDULE, DEFAULT_QSTASH_REGION, DEFAULT_REDIS_REGION, REDIS_REGIONS } from './defaults.js'
import { isQStashRegion, QSTASH_REGIONS, type QStashRegion } from './qstash/region.js'
import type { UrlGroupEndpoint } from './qstash/url-group-provider.js'

/**
 * Stack configuration, validated. Mirrors {@link UploadWebhookPipelineArgs} with secrets as
 * plain strings; {@link loadConfig} wraps them in `pulumi.secret`.
 */
export interface StackConfig {
  accountId: string
  qstashToken: string
  qstashRegion: QStashRegion
  webhookUrls: UrlGroupEndpoint[]
  allowedOrigins: string[]
  alertWebhookUrl: string
  bucketName: string
  bucketLocation?: string
  bucketJurisdiction?: string
  tempPrefix?: string
  tempPrefixExpiryDays?: number
  urlGroupName: string
  rotateSigningKeys: string
  redis: { create: true; primaryRegion: string; databaseName: string } | { create: false; restUrl: string; restToken: string }
  dlqAlertsSchedule: string
  /** Uploadcare webhook subscriptions; undefined when `uploadcare` is unset (opt-in). */
  uploadcare?: UploadcareConfig
  /** R2 → queue → worker → QStash publishing of new objects; `false` when `uploadEvents.enabled` is false. */
  uploadEvents: UploadEventsConfig | false
}

/** A config value that is missing or wrong; the message names the key and the command that fixes it. */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly key: string,
    problem: string,
    fix: string,
  ) {
    super(`Config ${key} ${problem}. Fix: ${fix}`)
    this.name = 'ConfigError'
  }
}

const BUCKET_LOCATIONS = ['apac', 'eeur', 'enam', 'weur', 'wnam', 'oc']
const BUCKET_JURISDICTIONS = ['default', 'eu', 'fedramp']

/**
 * Validates raw config strings (as `pulumi config get` would return them).
 * @param get reads `<project>:<key>`; returns undefined when unset.
 */
export function parseConfig(get: (key: string) => string | undefined, project: string, stack: string): StackConfig {
  const key = (k: string) => `${project}:${k}`
  const set = (k: string, value: string, secret = false) => `pulumi config set ${secret ? '--secret ' : ''}${key(k)} ${value}`
  const opt = (k: string) => {
    const v = get(k)?.trim()
    return v ? v : undefined
  }
  const req = (k: string, what: string, example: string, secret = false) => {
    const v = opt(k)
    if (v === undefined) throw new ConfigError(key(k), `is missing (${what})`, set(k, example, secret))
    return v
  }
  const jsonList = (k: string, example: string): unknown[] => {
    const raw = req(k, 'a JSON list', `'${example}'`)
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      throw new ConfigError(key(k), 'is not valid JSON', set(k, `'${example}'`))
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
      throw new ConfigError(key(k), 'must be a non-empty JSON list', set(k, `'${example}'`))
    }
    return parsed
  }
  const httpsUrl = (k: string, value: unknown, example: string, secret = false): string => {
    let url: URL | undefined
    try {
      url = typeof value === 'string' ? new URL(value) : undefined
    } catch {
      url = undefined
    }
    if (url?.protocol !== 'https:') {
      throw new ConfigError(
        key(k),
        `must hold https:// URLs (got ${secret ? 'a non-HTTPS value' : JSON.stringify(value)})`,
        set(k, example, secret),
      )
    }
    return value as string
  }

  const accountId = req('accountId', 'your Cloudflare account ID', '<account-id>')
  if (!/^[0-9a-f]{32}$/i.test(accountId)) {
    throw new ConfigError(
      key('accountId'),
      'is not a Cloudflare account ID (32 hex characters, see the dashboard URL)',
      set('accountId', '<account-id>'),
    )
  }

  const qstashToken = req('qstashToken', 'the QStash token of your region', '<qstash-token>', true)

  const region = opt('qstashRegion') ?? DEFAULT_QSTASH_REGION
  if (!isQStashRegion(region)) {
    throw new ConfigError(
      key('qstashRegion'),
      `is "${region}", not one of ${Object.keys(QSTASH_REGIONS).join(', ')}`,
      set('qstashRegion', 'eu'),
    )
  }

  const urlsExample = '["https://app.example.com/api/webhooks/upload"]'
  const webhookUrls = jsonList('webhookUrls', urlsExample).map((entry): UrlGroupEndpoint => {
    if (typeof entry === 'object' && entry !== null && 'url' in entry) {
      const { name, url } = entry as { name?: unknown; url: unknown }
      const checked = httpsUrl('webhookUrls', url, `'${urlsExample}'`)
      return typeof name === 'string' && name ? { name, url: checked } : { url: checked }
    }
    return { url: httpsUrl('webhookUrls', entry, `'${urlsExample}'`) }
  })

  const originsExample = '["https://app.example.com"]'
  const allowedOrigins = jsonList('allowedOrigins', originsExample).map((o) => {
    let url: URL | undefined
    try {
      url = typeof o === 'string' ? new URL(o) : undefined
    } catch {
      url = undefined
    }
    const localDev = url?.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname)
    if (!url || (url.protocol !== 'https:' && !localDev) || url.origin !== o) {
      throw new ConfigError(
        key('allowedOrigins'),
        `holds ${JSON.stringify(o)}, which is not an origin (scheme://host[:port], https unless localhost, no path or trailing slash)`,
        set('allowedOrigins', `'${originsExample}'`),
      )
    }
    return o as string
  })

  const alertWebhookUrl = httpsUrl(
    'alertWebhookUrl',
    req('alertWebhookUrl', 'the Slack-compatible incoming webhook for DLQ alerts', 'https://hooks.slack.com/services/...', true),
    'https://hooks.slack.com/services/...',
    true,
  )

  const bucketName = opt('bucketName') ?? `${project}-${stack}-uploads`.toLowerCase()
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucketName)) {
    throw new ConfigError(
      key('bucketName'),
      `is "${bucketName}"; R2 names are 3-63 lowercase letters, digits and hyphens`,
      set('bucketName', 'my-uploads'),
    )
  }
  const bucketLocation = opt('bucketLocation')
  if (bucketLocation !== undefined && !BUCKET_LOCATIONS.includes(bucketLocation)) {
    throw new ConfigError(
      key('bucketLocation'),
      `is "${bucketLocation}", not one of ${BUCKET_LOCATIONS.join(', ')}`,
      set('bucketLocation', 'weur'),
    )
  }
  const bucketJurisdiction = opt('bucketJurisdiction')
  if (bucketJurisdiction !== undefined && !BUCKET_JURISDICTIONS.includes(bucketJurisdiction)) {
    throw new ConfigError(
      key('bucketJurisdiction'),
      `is "${bucketJurisdiction}", not one of ${BUCKET_JURISDICTIONS.join(', ')}`,
      set('bucketJurisdiction', 'eu'),
    )
  }
  const tempPrefix = opt('tempPrefix')
  const expiryRaw = opt('tempPrefixExpiryDays')
  const tempPrefixExpiryDays = expiryRaw === undefined ? undefined : Number(expiryRaw)
  if (tempPrefixExpiryDays !== undefined && !(Number.isInteger(tempPrefixExpiryDays) && tempPrefixExpiryDays > 0)) {
    throw new ConfigError(key('tempPrefixExpiryDays'), `is "${expiryRaw}", not a whole number of days`, set('tempPrefixExpiryDays', '7'))
  }

  const urlGroupName = opt('urlGroupName') ?? `${project}-${stack}`
  if (!/^[A-Za-z0-9_.-]+$/.test(urlGroupName)) {
    throw new ConfigError(
      key('urlGroupName'),
      `is "${urlGroupName}"; URL group names allow letters, digits, "_", "-", "."`,
      set('urlGroupName', 'upload-webhooks'),
    )
  }

  const createRaw = opt('createRedis') ?? 'true'
  if (createRaw !== 'true' && createRaw !== 'false') {
    throw new ConfigError(key('createRedis'), `is "${createRaw}", not true or false`, set('createRedis', 'false'))
  }
  let redis: StackConfig['redis']
  if (createRaw === 'true') {
    if (opt('redisRestUrl') !== undefined) {
      throw new ConfigError(key('redisRestUrl'), 'is set while createRedis is true (one or the other)', set('createRedis', 'false'))
    }
    const primaryRegion = opt('redisPrimaryRegion') ?? DEFAULT_REDIS_REGION[region]
    if (!REDIS_REGIONS.includes(primaryRegion)) {
      throw new ConfigError(
        key('redisPrimaryRegion'),
        `is "${primaryRegion}", not one of ${REDIS_REGIONS.join(', ')}`,
        set('redisPrimaryRegion', DEFAULT_REDIS_REGION[region]),
      )
    }
    const databaseName = opt('redisDatabaseName') ?? `${project}-${stack}-dedupe`
    redis = { create: true, primaryRegion, databaseName }
  } else {
    const restUrl = httpsUrl(
      'redisRestUrl',
      req('redisRestUrl', 'the REST URL of your Redis, since createRedis is false', 'https://<db>.upstash.io'),
      'https://<db>.upstash.io',
    )
    const restToken = req('redisRestToken', 'the REST token of your Redis, since createRedis is false', '<token>', true)
    redis = { create: false, restUrl, restToken }
  }

  const dlqAlertsSchedule = opt('dlqAlertsSchedule') ?? DEFAULT_DLQ_SCHEDULE
  if (dlqAlertsSchedule.split(/\s+/).length !== 5) {
    throw new ConfigError(
      key('dlqAlertsSchedule'),
      `is "${dlqAlertsSchedule}", not a 5-field cron expression`,
      set('dlqAlertsSchedule', `'${DEFAULT_DLQ_SCHEDULE}'`),
    )
  }

  const uploadcare = parseUploadcareConfig(opt('uploadcare'), project, webhookUrls[0]!.url, (k, problem, fix) => {
    throw new ConfigError(k, problem, fix)
  })
  const uploadEvents = parseUploadEventsConfig(opt('uploadEvents'), project, (k, problem, fix) => {
    throw new ConfigError(k, problem, fix)
  })

  return {
    accountId,
    qstashToken,
    qstashRegion: region,
    webhookUrls,
    allowedOrigins,
    alertWebhookUrl,
    bucketName,
    ...(bucketLocation !== undefined ? { bucketLocation } : {}),
    ...(bucketJurisdiction !== undefined ? { bucketJurisdiction } : {}),
    ...(tempPrefix !== undefined ? { tempPrefix } : {}),
    ...(tempPrefixExpiryDays !== undefined ? { tempPrefixExpiryDays } : {}),
    urlGroupName,
    rotateSigningKeys: opt('rotateSigningKeys') ?? '',
    redis,
    dlqAlertsSchedule,
    ...(uploadcare !== undefined ? { uploadcare } : {}),
    uploadEvents,
  }
}

/** Reads and validates this stack's config (`pulumi config`). Throws {@link ConfigError}. */
export function loadConfig(): StackConfig {
  const config = new pulumi.Config()
  // `get` (not `getSecret`) so secrets can be validated synchronously; the caller wraps them in
  // pulumi.secret before they reach any resource.
  return parseConfig((k) => config.get(k), pulumi.getProject(), pulumi.getStack())
}
