// Every default the infra components and the stack config share, in one place, so the
// programme, the components used on their own and the README cannot drift apart.
import type { QStashRegion } from './qstash/region.js'

/** QStash region when none is configured. */
export const DEFAULT_QSTASH_REGION: QStashRegion = 'eu'

/** Upstash Redis regions a dedupe database may be created in. */
export const REDIS_REGIONS = [
  'us-east-1',
  'us-west-1',
  'us-west-2',
  'eu-central-1',
  'eu-west-1',
  'sa-east-1',
  'ap-southeast-1',
  'ap-southeast-2',
]

/** Where the dedupe Redis lives by default: next to the QStash region that calls the app. */
export const DEFAULT_REDIS_REGION: Record<QStashRegion, string> = { eu: 'eu-central-1', us: 'us-east-1' }

/** Cron schedule (UTC) of the DLQ monitor worker: every 5 minutes. */
export const DEFAULT_DLQ_SCHEDULE = '*/5 * * * *'

/** Workers compatibility date of the workers this package deploys. */
export const DEFAULT_COMPATIBILITY_DATE = '2024-09-23'

/** Uploadcare REST API base URL. */
export const DEFAULT_UPLOADCARE_API_URL = 'https://api.uploadcare.com'

/** Uploadcare events subscribed when none are configured. */
export const DEFAULT_UPLOADCARE_EVENTS = ['file.uploaded'] as const

/** Uploadcare webhook payload version. */
export const DEFAULT_UPLOADCARE_PAYLOAD_VERSION = '0.7'
