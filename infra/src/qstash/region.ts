/**
 * QStash regions. Each region is a separate deployment with its own tokens, signing keys,
 * URL groups and DLQ, so the region must match the token you configure.
 */
export const QSTASH_REGIONS = {
  eu: 'https://qstash-eu-central-1.upstash.io',
  us: 'https://qstash-us-east-1.upstash.io',
} as const

export type QStashRegion = keyof typeof QSTASH_REGIONS

export function isQStashRegion(value: unknown): value is QStashRegion {
  return typeof value === 'string' && Object.hasOwn(QSTASH_REGIONS, value)
}

/** Base URL of the QStash REST API for a region. */
export function qstashBaseUrl(region: QStashRegion): string {
  return QSTASH_REGIONS[region]
}
