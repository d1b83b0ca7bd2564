// Step 5, route: the handler for the event's type, if this sender may reach it. A typed event
// belongs to the senders that emit it (docs/architecture.md, "Who may reach a handler"): an
// authentic delivery from one sender naming another sender's type is ignored, not run.

import type { Handler, WebhookHandlers } from '../handlers.js'
import { senders } from '../senders/registry.js'
import type { Logger, Verifier } from '../types.js'

/** The event type `upload-webhooks doctor` sends: verified, store probed, no handler, nothing kept. */
export const DOCTOR_EVENT = 'upload-webhooks.doctor'

/** Every typed event type, and the verifiers' kinds that may send it. */
const typedEvents: ReadonlySet<string> = new Set(senders.flatMap((sender) => sender.events))

export type Route = { kind: 'handler'; handler: Handler } | { kind: 'doctor' } | { kind: 'ignored' }

const DOCTOR: Route = Object.freeze({ kind: 'doctor' })
const IGNORED: Route = Object.freeze({ kind: 'ignored' })

export function router(handlers: WebhookHandlers, logger: Logger): (type: string, verifier: Verifier) => Route {
  const warned = new Set<string>()
  // Routes made once, not per delivery. A Map, so an event typed "constructor" or "__proto__"
  // never reaches Object.prototype; only functions, as `handlers` held them when the router was made.
  const routes = new Map<string, Route>()
  for (const [type, handler] of Object.entries(handlers)) if (typeof handler === 'function') routes.set(type, { kind: 'handler', handler })
  return (type, verifier) => {
    if (type === DOCTOR_EVENT) return DOCTOR
    const route = routes.get(type)
    if (!route) return IGNORED
    if (typedEvents.has(type) && !verifier.events?.includes(type)) {
      if (!warned.has(`${verifier.name} ${type}`)) {
        warned.add(`${verifier.name} ${type}`)
        logger.warn(
          `[upload-webhooks] ${verifier.name} sent a "${type}" event, which only other senders emit; ignored without running its handler`,
        )
      }
      return IGNORED
    }
    return route
  }
}
