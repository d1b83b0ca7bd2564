// Construction-time checks shared by the router and every sender: a bad option fails at
// startup with a WebhookConfigError that names the option or variable and the fix, never
// per request and never by quietly turning a check off.

import { WebhookConfigError } from './errors.js'
import { readEnvRaw } from './runtime.js'
import { publishedDevKeys } from './senders/dev-keys.js'
import type { Verifier } from './types.js'

/** Empty, whitespace, or what `process.env.X = undefined` / a template's `null` leave behind. */
const PLACEHOLDER = /^\s*(?:undefined|null)?\s*$/i

/** NODE_ENV's verdict, for what has no `production` option to ask (a verifier, a store made alone). */
export const isProduction = (): boolean => readEnvRaw('NODE_ENV') === 'production'

/** Where a secret may come from, for messages: the option's name and its env variable. */
export interface SecretSource {
  option: string
  env?: string
}

/** Where a verifier's published dev keys came from, filled in while its secrets are read. */
export type DevKeySources = string[]

function checkSecret(owner: string, value: string, where: string, devKeys?: DevKeySources): string {
  if (PLACEHOLDER.test(value)) {
    throw new WebhookConfigError(
      `${owner}: ${where} is empty or a placeholder (${JSON.stringify(value)}). Set it to the sender's real secret.`,
    )
  }
  if (!publishedDevKeys.has(value.trim())) return value
  if (isProduction()) {
    throw new WebhookConfigError(
      `${owner}: ${where} is a published development key from @upload-webhooks/core/testing and never verifies in production ` +
        "(NODE_ENV=production). Set it to the real key from the sender's dashboard.",
    )
  }
  // Outside NODE_ENV=production it verifies, until a router told `production: true` refuses it.
  devKeys?.push(where)
  return value
}

/**
 * The secret from the option, else from its env variable; undefined when neither is set.
 * Placeholders, and published dev keys under NODE_ENV=production, are a WebhookConfigError; a
 * published dev key elsewhere is added to `devKeys` (by its option or variable name).
 */
export function secretFrom(owner: string, value: string | undefined, source: SecretSource, devKeys?: DevKeySources): string | undefined {
  if (value !== undefined) {
    if (typeof value !== 'string') throw new WebhookConfigError(`${owner}: \`${source.option}\` must be a string`)
    return checkSecret(owner, value, `\`${source.option}\``, devKeys)
  }
  const fromEnv = source.env === undefined ? undefined : readEnvRaw(source.env)
  return fromEnv === undefined ? undefined : checkSecret(owner, fromEnv, source.env!, devKeys)
}

/** Checks a list of secrets (rotation); each entry like one secret. */
export function secretsFrom(owner: string, values: readonly string[], option: string, devKeys?: DevKeySources): string[] {
  if (!Array.isArray(values)) throw new WebhookConfigError(`${owner}: \`${option}\` must be an array of strings`)
  return values.map((value, i) => {
    if (typeof value !== 'string') throw new WebhookConfigError(`${owner}: \`${option}[${i}]\` must be a string`)
    return checkSecret(owner, value, `\`${option}[${i}]\``, devKeys)
  })
}

export interface NumberRange {
  min: number
  max: number
  /** Round up to a whole number (seconds sent to Redis). */
  integer?: boolean
}

/** A finite number within range, or the default; NaN (what `Number(undefined)` gives) is an error. */
export function numberOption(owner: string, name: string, value: number | undefined, fallback: number, range: NumberRange): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max) {
    throw new WebhookConfigError(`${owner}: \`${name}\` must be a number from ${range.min} to ${range.max}, got ${String(value)}`)
  }
  return range.integer ? Math.ceil(value) : value
}

/** A verifier's secret options and where they default from, for `secretListFrom` and its messages. */
export interface SecretOptions {
  /** The single-secret option's name and value (`secret`, `apiSecret`). */
  one: [name: string, value: string | undefined]
  /** The rotation list's name and value (`secrets`, `apiSecrets`). */
  many: [name: string, value: readonly string[] | undefined]
  /** Env variable read when neither is given. */
  env: string | undefined
  /** Where the user finds the secret, for the error. */
  where: string
  /** Collects where each published dev key came from, for `withDevKeySources`. */
  devKeys?: DevKeySources
}

/**
 * The rotation list (any listed secret verifies), else the single secret, else the env variable;
 * at least one, each checked like a single secret. The error names the variable and the option.
 */
export function secretListFrom(owner: string, options: SecretOptions): string[] {
  const [manyName, many] = options.many
  if (many !== undefined) {
    const list = secretsFrom(owner, many, manyName, options.devKeys)
    if (list.length > 0) return list
  }
  const [oneName, one] = options.one
  const secret = secretFrom(owner, one, { option: oneName, ...(options.env ? { env: options.env } : {}) }, options.devKeys)
  if (secret !== undefined) return [secret]
  const setEnv = options.env ? `Set ${options.env} or pass` : 'Pass'
  throw new WebhookConfigError(`${owner}: no signing secret. ${setEnv} { ${oneName} } (${options.where}).`)
}

/** The `events` option every open sender takes: event types it also delivers, beside its own typed ones. */
export interface DeclaredEventsOption {
  /**
   * Event types this sender delivers to your handlers besides its own typed ones. A handled type
   * that another configured sender declares (Sonuslab's `upload.completed`) reaches its handler
   * from this sender only when listed here; otherwise such deliveries are answered 403
   * `sender_not_allowed`, so the sender retries and dead-letters them where you see it. Types no
   * configured sender declares reach their handlers from every sender without being listed. Default: none.
   */
  events?: readonly string[]
}

/** A sender's own typed events plus the ones the user declared for it (`events`), each checked. */
export function declaredEvents(owner: string, own: readonly string[], extra: readonly string[] | undefined): readonly string[] {
  if (extra === undefined) return own
  if (!Array.isArray(extra) || extra.some((type) => typeof type !== 'string' || type.trim() === '' || type.length > 200)) {
    throw new WebhookConfigError(
      `${owner}: \`events\` must be an array of event type names (non-empty strings), e.g. events: ['upload.completed'], got ${JSON.stringify(extra)}`,
    )
  }
  return [...new Set([...own, ...extra])]
}

/** A configured public URL must be absolute http(s): an empty or bare-path value would skip QStash's `sub` check. */
export function checkPublicUrl(owner: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || !/^https?:\/\/[^/\s]+/i.test(value.trim())) {
    throw new WebhookConfigError(
      `${owner}: \`${name}\` must be this endpoint's absolute public URL (https://your.app/api/webhooks/upload), got ${JSON.stringify(value)}`,
    )
  }
  return value.trim()
}

/**
 * The verifier, carrying where its published dev keys came from (`Verifier.devKeySources`) so a
 * router in production refuses it, however it was told it is in production. Enumerable on
 * purpose: a verifier copied with a spread keeps it.
 */
export function withDevKeySources<V extends Verifier<string>>(verifier: V, devKeys: DevKeySources): V {
  return devKeys.length === 0 ? verifier : { ...verifier, devKeySources: devKeys }
}
