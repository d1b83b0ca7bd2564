// Untrusted delivery IDs (issue 11, item 7): over 256 bytes or with control characters, a validly
// signed delivery is 400 `invalid_delivery_id`, never a store key and never echoed back.
import type { HostileCase } from './corpus.js'
import { type EventSpec, makeEvents, SENDER_KINDS, type SenderKind, signAttempt } from './events.js'
import { SENDER_DEDUPE } from './store-keys.js'

const MiB = 1024 * 1024
/** Leads every bad ID, so an echo shows up in the answer however the rest is escaped. */
export const ID_MARKER = 'forged-id-marker'
const padded = (bytes: number) => ID_MARKER + 'x'.repeat(bytes - ID_MARKER.length)

/** Label, ID, and the status a Node server gives before the router runs (when it does). */
const BAD_IDS: [label: string, id: string, httpStatus?: number][] = [
  ['a 1 MiB delivery ID', padded(MiB), 431],
  ['a 257-byte delivery ID', padded(257)],
  ['a delivery ID of 129 × "é" (258 UTF-8 bytes)', `${ID_MARKER}${'é'.repeat(129)}`],
  ['a tab inside the delivery ID', `${ID_MARKER}\tx`],
  ['an ANSI escape in the delivery ID', `${ID_MARKER}\x1b[2J\x1b[31mfake log line`, 400],
  ['a DEL in the delivery ID', `${ID_MARKER}\x7fx`, 400],
  ['a C1 control (NEL) in the delivery ID', `${ID_MARKER}\x85x`],
  ['a C1 control (CSI) in the delivery ID', `${ID_MARKER}\x9b31m`],
]

/**
 * Each bad ID on a freshly signed delivery. Signed again with that ID: for an unsigned ID header
 * (QStash, Sonuslab) that is the attacker's header swap; for a signed one (Standard Webhooks) a
 * sender that signed a bad ID. Senders whose ID is the body's hash have no ID to forge.
 */
export async function invalidIdCases(kind: SenderKind, fresh: () => Promise<{ spec: EventSpec }>): Promise<HostileCase[]> {
  if (!SENDER_DEDUPE[kind].idHeader) return []
  const cases: HostileCase[] = []
  for (const [label, id, httpStatus] of BAD_IDS) {
    const { spec } = await fresh()
    cases.push({
      name: `${kind}: ${label}`,
      sender: kind,
      method: 'POST',
      headers: Object.entries(await signAttempt(spec, { deliveryId: id })),
      body: spec.body,
      status: 400,
      reason: 'invalid_delivery_id',
      notEchoed: ID_MARKER,
      ...(httpStatus ? { httpStatus } : {}),
    })
  }
  return cases
}

/** Valid deliveries whose ID is exactly 256 bytes, the largest accepted: the limit is not off by one. */
export async function boundaryIdControls(): Promise<HostileCase[]> {
  const cases: HostileCase[] = []
  for (const spec of makeEvents('boundary-id', SENDER_KINDS.length)) {
    if (!SENDER_DEDUPE[spec.kind].idHeader) continue
    const id = `${spec.deliveryId}-${'y'.repeat(256 - spec.deliveryId.length - 1)}`
    cases.push({
      name: `control: valid ${spec.kind} with a 256-byte delivery ID`,
      sender: spec.kind,
      method: 'POST',
      headers: Object.entries(await signAttempt(spec, { deliveryId: id })),
      body: spec.body,
      status: 200,
    })
  }
  return cases
}
