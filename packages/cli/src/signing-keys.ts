// Which key signs a delivery: a flag, else the variable core's verifier reads, else the public dev key.
import { createHash } from 'node:crypto'
import type { SenderModule } from '@upload-webhooks/core/senders'
import { CliError } from './output.js'

export interface KeyFlags {
  secret?: string | undefined
  currentKey?: string | undefined
  nextKey?: string | undefined
}

export interface ResolvedKey {
  /** Undefined only for a sender whose dev key core has not published: core's default then signs. */
  value: string | undefined
  /** `--current-key`, `QSTASH_CURRENT_SIGNING_KEY`, `dev key`, ... */
  source: string
  /** True when it is a public development key. */
  dev: boolean
}

export interface SenderKeys {
  /** The key deliveries are signed with. */
  signing: ResolvedKey
  /** QStash: the next signing key, which verifiers also accept (only for fingerprints). */
  next?: ResolvedKey
}

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== ''

function pick(
  flag: string | undefined,
  flagName: string,
  envName: string,
  devKey: string | undefined,
  env: NodeJS.ProcessEnv,
): ResolvedKey {
  if (set(flag)) return { value: flag, source: flagName, dev: false }
  if (set(env[envName])) return { value: env[envName], source: envName, dev: false }
  return { value: devKey, source: 'public dev key', dev: true }
}

export function resolveKeys(sender: SenderModule, flags: KeyFlags, env: NodeJS.ProcessEnv = process.env): SenderKeys {
  // QStash reads a current and a next key; the HMAC senders read one secret.
  const [signingEnv, nextEnv] = sender.env as readonly [string, string?]
  const [devKey, devNextKey] = sender.devKeys
  if (nextEnv) {
    if (set(flags.secret)) {
      throw new CliError(
        `--secret is for the HMAC senders; ${sender.label} signs with its current signing key`,
        `pass --current-key (and --next-key), or set ${signingEnv}`,
      )
    }
    return {
      signing: pick(flags.currentKey, '--current-key', signingEnv, devKey, env),
      next: pick(flags.nextKey, '--next-key', nextEnv, devNextKey, env),
    }
  }
  if (set(flags.currentKey) || set(flags.nextKey)) {
    throw new CliError(
      `--current-key and --next-key are QStash's keys; ${sender.label} signs with one secret`,
      `pass --secret, or set ${signingEnv}`,
    )
  }
  return { signing: pick(flags.secret, '--secret', signingEnv, devKey, env) }
}

/** `sha256:` and the first 16 hex digits of the key's SHA-256: enough to compare, useless to sign with. */
export function fingerprint(key: string | undefined): string {
  if (key === undefined) return '(core default)'
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16)}`
}

/** One line per key for people: where it came from and its fingerprint, never the key. */
export function describeKeys(sender: SenderModule, keys: SenderKeys): string[] {
  const lines = [`signing key: ${keys.signing.source} ${fingerprint(keys.signing.value)}`]
  if (keys.next) lines.push(`next key:    ${keys.next.source} ${fingerprint(keys.next.value)}`)
  if (keys.signing.dev) {
    lines.push(`(${sender.env[0]} is not set: signed with the public development key, which only a dev server accepts)`)
  }
  return lines
}
