// Handler keys a user cannot get silently wrong: a key no configured sender emits is a typo
// until proven otherwise (`onUploadCompleted` would answer every real upload 200 `ignored`), and
// a type one configured sender declares while another may send it too is said at startup.
import { WebhookConfigError } from './errors.js'
import type { WebhookHandlers } from './handlers.js'
import { DOCTOR_EVENT, ownersOf } from './steps/route.js'
import type { Logger, Verifier } from './types.js'

/** Edit distance, for "did you mean": the keys are short, so the quadratic table is fine. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const type of known) {
    const d = distance(key, type)
    if (d < bestDistance) [best, bestDistance] = [type, d]
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined
}

/**
 * Checks every handler key against what the configured senders emit. A key close to a known type,
 * or any unknown key when every sender's event set is closed, logs a warning naming the closest
 * type; with `strict` it is a WebhookConfigError.
 */
export function checkHandlerKeys(handlers: WebhookHandlers, verifiers: readonly Verifier[], logger: Logger, strict: boolean): void {
  const known = [...new Set(verifiers.flatMap((v) => [...(v.events ?? []), ...(v.otherEvents ?? [])]))]
  const closed = verifiers.every((v) => v.closedEvents)
  for (const key of Object.keys(handlers)) {
    if (known.includes(key) || key === DOCTOR_EVENT) continue
    const suggestion = closest(key, known)
    if (!suggestion && !closed) continue
    const senders = verifiers.map((v) => v.name).join(', ')
    const hint = suggestion ? `did you mean \`${suggestion}\`?` : `they emit: ${known.join(', ')}`
    const message = `handler \`${key}\` matches no event type the configured senders (${senders}) emit — ${hint}`
    if (strict) throw new WebhookConfigError(`createWebhookRouter(): ${message}`)
    logger.warn(
      `[upload-webhooks] ${message} Deliveries of the real type would be answered 200 ignored. (strictHandlers: true makes this an error.)`,
    )
  }
}

/**
 * Handled types that one configured sender declares while another may send them too with its own
 * payload shape: a sender that declares no types at all (Standard Webhooks, a custom verifier)
 * may send any, while one that declares its own is taken to send those: that sender's deliveries of the type are refused (403
 * `sender_not_allowed`) until the user declares it on that verifier. A warning naming the type and
 * both senders; with `strict` a WebhookConfigError.
 */
export function checkSharedTypes(handlers: WebhookHandlers, verifiers: readonly Verifier[], logger: Logger, strict: boolean): void {
  for (const [type, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function') continue
    const owners = ownersOf(type, verifiers)
    if (owners.length === 0) continue
    const others = verifiers.filter((v) => !v.closedEvents && !v.events?.length).map((v) => v.name)
    if (others.length === 0) continue
    const message =
      `handler \`${type}\`: ${owners.map((v) => v.name).join(', ')} declares this type, and ${others.join(', ')} may send it too ` +
      `with another payload shape. Its "${type}" deliveries are answered 403 sender_not_allowed and never reach the handler. ` +
      `To run the handler for them as well, declare the type on that verifier (events: ['${type}']) and tell the payloads apart by ctx.sender; ` +
      'or give each sender a router of its own.'
    if (strict) throw new WebhookConfigError(`createWebhookRouter(): ${message}`)
    logger.warn(`[upload-webhooks] ${message} (strictHandlers: true makes this an error.)`)
  }
}
