// Well-known development keys. They sit below the sender modules and /testing, which both use
// them, and they ship in the npm package: so no verifier accepts them in production.

/** QStash signing keys used by the examples and `pnpm demo` when no real keys are set. Public by design. */
export const devSigningKeys = {
  currentSigningKey: 'sig_dev_upload_webhooks_current_DO_NOT_USE_IN_PRODUCTION',
  nextSigningKey: 'sig_dev_upload_webhooks_next_DO_NOT_USE_IN_PRODUCTION',
} as const

/** Development secret for the HMAC senders (Sonuslab, Uploadcare, Cloudinary); public by design. */
export const devSecret = 'dev_upload_webhooks_secret_DO_NOT_USE_IN_PRODUCTION'
/** Development Standard Webhooks secret; public by design. */
export const devStandardWebhooksSecret = 'whsec_ZGV2X3VwbG9hZF93ZWJob29rc19zZWNyZXRfMzJieXRlcyE='

/** Every published key, in every spelling a verifier accepts. */
export const publishedDevKeys: ReadonlySet<string> = new Set([
  devSigningKeys.currentSigningKey,
  devSigningKeys.nextSigningKey,
  devSecret,
  devStandardWebhooksSecret,
  devStandardWebhooksSecret.slice('whsec_'.length),
])
