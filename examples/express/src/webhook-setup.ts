// Environment → verifier. The same file sits in every example (test/e2e checks the copies stay
// identical), so each example stays copyable on its own. The dedupe store is not chosen here: a
// route given no `store` gets core's, from UPSTASH_REDIS_REST_URL/_TOKEN, else REDIS_URL, else
// memory, and core logs which.
import { qstash, type Verifier, WebhookConfigError } from '@upload-webhooks/core'
import { devSigningKeys } from '@upload-webhooks/core/testing'

/** The variables this file reads; `.env.example` names each one. */
export type WebhookEnv = Partial<
  Record<'QSTASH_CURRENT_SIGNING_KEY' | 'QSTASH_NEXT_SIGNING_KEY' | 'WEBHOOK_PUBLIC_URL' | 'NODE_ENV', string>
>

/** What the environment asks for, checked, before a verifier is made from it. */
export interface WebhookPlan {
  keys: { currentSigningKey: string; nextSigningKey: string }
  /** URL the signature must name; undefined: the request's own URL. */
  url: string | undefined
  /** One line per choice, for the startup log. */
  summary: string[]
}

export interface WebhookSetup {
  verify: Verifier
  /** For the router's `production` option, so core applies the same rules. */
  production: boolean
  summary: string[]
}

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== ''

function pair(env: WebhookEnv, a: keyof WebhookEnv, b: keyof WebhookEnv): [string, string] | undefined {
  if (isSet(env[a]) !== isSet(env[b])) {
    throw new WebhookConfigError(`${isSet(env[a]) ? b : a} is not set: set both ${a} and ${b}, or neither.`)
  }
  return isSet(env[a]) ? [env[a]!, env[b]!] : undefined
}

/** What production cannot run without: real keys (the dev keys are public) and the URL QStash signs. */
const REQUIRED_IN_PRODUCTION = ['QSTASH_CURRENT_SIGNING_KEY', 'QSTASH_NEXT_SIGNING_KEY', 'WEBHOOK_PUBLIC_URL'] as const

function requireProductionEnv(env: WebhookEnv): void {
  const missing = REQUIRED_IN_PRODUCTION.filter((name) => !isSet(env[name]))
  if (missing.length === 0) {
    refuseDevKeys(env)
    return
  }
  throw new WebhookConfigError(
    `This is a production start and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set. Production needs real ` +
      'QStash signing keys, because the dev keys used without them are public (they ship in @upload-webhooks/core/testing: ' +
      'anyone can sign deliveries with them), and the URL QStash signs. Set QSTASH_CURRENT_SIGNING_KEY and ' +
      'QSTASH_NEXT_SIGNING_KEY (Upstash console → QStash → Signing keys) and WEBHOOK_PUBLIC_URL (the URL in your QStash URL group), ' +
      'or run `pnpm dev` to try the app on the dev keys.',
  )
}

/** Core's router refuses the published keys too, but only once the route is made: on the first delivery. */
function refuseDevKeys(env: WebhookEnv): void {
  const published: string[] = Object.values(devSigningKeys)
  const held = (['QSTASH_CURRENT_SIGNING_KEY', 'QSTASH_NEXT_SIGNING_KEY'] as const).filter((name) => published.includes(env[name]!.trim()))
  if (held.length === 0) return
  throw new WebhookConfigError(
    `This is a production start and ${held.join(', ')} ${held.length === 1 ? 'holds a' : 'hold the'} published development ` +
      `key${held.length === 1 ? '' : 's'}: anyone can sign deliveries with them. Set QSTASH_CURRENT_SIGNING_KEY and ` +
      'QSTASH_NEXT_SIGNING_KEY to the real keys (Upstash console → QStash → Signing keys).',
  )
}

/** NODE_ENV=production; a framework's production build says so itself (Nuxt: `!import.meta.dev`). */
const productionPerEnv = (env: WebhookEnv): boolean => env.NODE_ENV === 'production'

/**
 * Reads the environment. Nothing set: the public dev signing keys; in `production` real keys and
 * WEBHOOK_PUBLIC_URL are required (a WebhookConfigError naming each missing one).
 */
export function webhookPlanFromEnv(env: WebhookEnv = process.env as WebhookEnv, production = productionPerEnv(env)): WebhookPlan {
  if (production) requireProductionEnv(env)
  const summary: string[] = []
  const signingKeys = pair(env, 'QSTASH_CURRENT_SIGNING_KEY', 'QSTASH_NEXT_SIGNING_KEY')
  if (signingKeys) {
    summary.push('signing keys: QSTASH_CURRENT_SIGNING_KEY / QSTASH_NEXT_SIGNING_KEY from the environment')
  } else {
    summary.push(
      'signing keys: the public DEV keys (devSigningKeys from @upload-webhooks/core/testing; refused in production). ' +
        'Set QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY to verify real QStash deliveries.',
    )
  }
  const url = isSet(env.WEBHOOK_PUBLIC_URL) ? env.WEBHOOK_PUBLIC_URL : undefined
  if (url) summary.push(`signatures must name this URL: ${url}`)
  const keys = signingKeys ? { currentSigningKey: signingKeys[0], nextSigningKey: signingKeys[1] } : devSigningKeys
  return { keys, url, summary }
}

/**
 * Builds the verifier the plan names, and the router's `production` setting. It runs every check
 * the verifier makes (core refuses a published dev key in production) and makes no client, so the
 * startup hooks of Next and Nuxt call it for the summary, and a bad environment stops the app at
 * startup rather than failing its first delivery.
 */
export function webhookSetupFromEnv(env: WebhookEnv = process.env as WebhookEnv, production = productionPerEnv(env)): WebhookSetup {
  const plan = webhookPlanFromEnv(env, production)
  const verify = qstash({ ...plan.keys, ...(plan.url ? { url: plan.url } : {}) })
  return { verify, production, summary: plan.summary }
}
