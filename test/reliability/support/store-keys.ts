// Key accounting: which keys the dedupe store must hold after a scenario, and which it holds.
// A refused delivery (bad signature, replay, invalid ID, ...) writes nothing; a processed one
// writes its delivery key and, where the signature is the replay guard, a nonce key bound to its ID.
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { SenderKind } from './events.js'

/** The router's default `dedupe.keyPrefix`: keys are `<prefix>:<sender>:<id>` and `<prefix>~nonce:<sender>:<nonce>`. */
const PREFIX = 'upload-webhooks'

export interface SenderDedupe {
  /** The unsigned header an attacker can rewrite (`upstash-message-id`), or the signed one; none where the ID is the body's hash. */
  idHeader?: string
  /** The ID header is covered by the signature (a fresh ID breaks it). */
  idSigned?: boolean
  /** A processed delivery also leaves `nonce:<signed nonce>` holding its ID (issue 11, item 5). */
  nonce: boolean
}

/**
 * Facts of each sender's scheme the registry does not state as data (its `dedupe` line says them
 * in words). A Record over the registry's IDs, so a new sender is a type error until it is listed.
 */
export const SENDER_DEDUPE: Record<SenderKind, SenderDedupe> = {
  qstash: { idHeader: 'upstash-message-id', nonce: true },
  sonuslab: { idHeader: 'x-sonuslab-delivery', nonce: true },
  'standard-webhooks': { idHeader: 'webhook-id', idSigned: true, nonce: false },
  uploadcare: { nonce: false },
  cloudinary: { nonce: true },
}

/** The ID the router keys a delivery under: its ID header's value, else the body's SHA-256 in hex. */
export function storeIdOf(kind: SenderKind, headers: readonly [string, string][], body: string | Uint8Array): string {
  const header = SENDER_DEDUPE[kind].idHeader
  const value = header && headers.find(([name]) => name === header)?.[1]
  return value || createHash('sha256').update(body).digest('hex')
}

/** What the store must hold: delivery keys (each `done`), and nonce keys by sender and owning ID. */
export class ExpectedKeys {
  readonly deliveries = new Set<string>()
  /** `<sender> <owner ID>` once per nonce key expected. */
  readonly nonces: string[] = []

  /** One processed delivery, whose `signatures` distinct accepted signatures (first delivery and genuine retries) each left a nonce. */
  processed(kind: SenderKind, id: string, signatures = 1): this {
    this.deliveries.add(`${PREFIX}:${kind}:${id}`)
    if (SENDER_DEDUPE[kind].nonce) for (let i = 0; i < signatures; i++) this.nonces.push(`${kind} ${id}`)
    return this
  }

  /** Adds another expectation's keys. */
  merge(other: ExpectedKeys): this {
    for (const key of other.deliveries) this.deliveries.add(key)
    this.nonces.push(...other.nonces)
    return this
  }

  get size(): number {
    return this.deliveries.size + this.nonces.length
  }
}

export interface StoreKeys {
  deliveries: Map<string, string>
  /** `<sender> <owner ID>` per nonce key found. */
  nonces: string[]
  /** Anything else under the prefix (a doctor probe, a key this accounting does not know). */
  unknown: string[]
  total: number
}

/** Every dedupe key in `redis`, classified (the handlers' own `reliability:*` effect hashes are not dedupe keys). */
export async function readStoreKeys(redis: Redis): Promise<StoreKeys> {
  const found: StoreKeys = { deliveries: new Map(), nonces: [], unknown: [], total: 0 }
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}[:~]*`, 'COUNT', 1000)
    cursor = next
    for (const key of keys) {
      found.total++
      const value = (await redis.get(key)) ?? ''
      if (key.startsWith(`${PREFIX}~nonce:`)) {
        const [sender, ...nonce] = key.slice(`${PREFIX}~nonce:`.length).split(':')
        if (sender && nonce.length > 0) found.nonces.push(`${sender} ${value}`)
        else found.unknown.push(key)
        continue
      }
      const [, sender, ...rest] = key.split(':')
      if (key.startsWith(`${PREFIX}:`) && sender && rest.length > 0) found.deliveries.set(key, value)
      else found.unknown.push(key)
    }
  } while (cursor !== '0')
  return found
}

/** Differences between the keys found and the keys expected; empty when they match exactly. */
export function keyProblems(found: StoreKeys, expected: ExpectedKeys): string[] {
  const problems: string[] = []
  const short = (text: string) => (text.length > 120 ? `${text.slice(0, 120)}… (${text.length} chars)` : text)
  for (const [key, value] of found.deliveries) {
    if (!expected.deliveries.has(key)) problems.push(`unexpected delivery key ${short(key)}`)
    else if (!value.startsWith('done')) problems.push(`delivery key ${short(key)} holds ${short(value)}, not a done marker`)
  }
  for (const key of expected.deliveries) if (!found.deliveries.has(key)) problems.push(`missing delivery key ${short(key)}`)
  const sorted = (list: readonly string[]) => [...list].sort().join('\n')
  if (sorted(found.nonces) !== sorted(expected.nonces)) {
    problems.push(`nonce keys (sender owner) found:\n${sorted(found.nonces.map(short))}\nexpected:\n${sorted(expected.nonces)}`)
  }
  for (const key of found.unknown) problems.push(`unknown key ${short(key)}`)
  return problems
}
