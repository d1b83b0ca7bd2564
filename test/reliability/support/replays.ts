// Hostile sequences: an attacker holding one captured, validly signed delivery (issue 11, items 5
// and 6). Each is a few requests in order, with the answer each must get, how many handler calls
// the whole sequence may cause, and the store keys it must leave.
import { entries, replace } from './corpus.js'
import { type EventSpec, makeEvents, SENDER_KINDS, type SenderKind, signAttempt } from './events.js'
import { ExpectedKeys, SENDER_DEDUPE, storeIdOf } from './store-keys.js'
import type { Answer } from './transport.js'

export interface SequenceStep {
  label: string
  method: 'POST'
  headers: [string, string][]
  body: string
  status: number
  reason?: string
  /** The JSON `status` of a 200: `processed` or `duplicate`. */
  outcome?: 'processed' | 'duplicate'
  /** Text the answer must not contain. */
  notEchoed?: string
}

export interface HostileSequence {
  name: string
  sender: SenderKind
  steps: SequenceStep[]
  /** Handler calls the whole sequence causes. */
  handlerCalls: number
  keys: ExpectedKeys
}

/** Fresh IDs each captured delivery is replayed under (the attack ran the handler 4 times). */
export const REPLAY_COPIES = 4
/** Every ID header a sender in the registry reads: what an attacker would try on a sender without one. */
const ID_HEADERS = [...new Set(Object.values(SENDER_DEDUPE).flatMap((d) => (d.idHeader ? [d.idHeader] : [])))]
const FORGED = 'forged'
const nowSeconds = () => Math.floor(Date.now() / 1000)

const eventOf = (scenario: string, kind: SenderKind, seq = 0): EventSpec =>
  makeEvents(scenario, SENDER_KINDS.length * (seq + 1)).filter((e) => e.kind === kind)[seq]!

/** Signing time of every original; retries are signed a second before it, so their signature differs for sure. */
const SIGNED_AT = nowSeconds()

async function original(spec: EventSpec): Promise<SequenceStep> {
  const headers = entries(await signAttempt(spec, { now: SIGNED_AT }))
  return { label: 'the original delivery', method: 'POST', headers, body: spec.body, status: 200, outcome: 'processed' }
}

/** The sender's own retry: the same ID, signed again a second earlier (a new nonce, as a real retry has). */
async function genuineRetry(spec: EventSpec): Promise<SequenceStep> {
  const headers = entries(await signAttempt(spec, { now: SIGNED_AT - 1 }))
  return {
    label: "the sender's genuine retry (re-signed, same ID)",
    method: 'POST',
    headers,
    body: spec.body,
    status: 200,
    outcome: 'duplicate',
  }
}

/**
 * The captured delivery resent under REPLAY_COPIES fresh IDs. Where the ID header is unsigned the
 * router refuses each as a replay (401 `replayed_signature`); where it is signed the fresh ID breaks
 * the signature; where the ID is the body's hash there is no ID to change, so the attacker's
 * made-up ID headers are ignored and every copy is a `duplicate`: the handler still ran once.
 */
async function replaySequence(kind: SenderKind): Promise<HostileSequence> {
  const spec = eventOf('replay', kind)
  const first = await original(spec)
  const { idHeader, idSigned } = SENDER_DEDUPE[kind]
  const replays: SequenceStep[] = Array.from({ length: REPLAY_COPIES }, (_, i) => {
    const forged = `${spec.deliveryId}-${FORGED}-${i}`
    const base = { method: 'POST' as const, body: spec.body, notEchoed: `${FORGED}-${i}` }
    if (!idHeader) {
      const headers = [...first.headers, ...ID_HEADERS.map((name): [string, string] => [name, forged])]
      return { ...base, label: `replay ${i + 1} with made-up ID headers`, headers, status: 200, outcome: 'duplicate' }
    }
    const headers = replace(first.headers, idHeader, forged)
    const label = `replay ${i + 1} under a fresh ${idHeader}`
    return idSigned
      ? { ...base, label, headers, status: 401, reason: 'invalid_signature' }
      : { ...base, label, headers, status: 401, reason: 'replayed_signature' }
  })
  const again = { ...first, label: 'the original again, byte for byte', outcome: 'duplicate' as const }
  const steps = [first, ...replays, again, await genuineRetry(spec)]
  const id = storeIdOf(kind, first.headers, spec.body)
  return {
    name: `${kind}: captured delivery replayed under ${REPLAY_COPIES} fresh IDs`,
    sender: kind,
    steps,
    handlerCalls: 1,
    keys: new ExpectedKeys().processed(kind, id, 2),
  }
}

/**
 * A processed ID arriving again with another body, validly signed (issue 11, item 6): 409
 * `delivery_conflict`, no handler call, and the original's record stays (its retry is still a
 * duplicate). Its signature's nonce is recorded, bound to the same ID. Only senders with an ID
 * header: where the ID is the body's hash, another body is another delivery.
 */
async function conflictSequence(kind: SenderKind): Promise<HostileSequence | undefined> {
  if (!SENDER_DEDUPE[kind].idHeader) return undefined
  const spec = eventOf('conflict', kind)
  const other = eventOf('conflict', kind, 1)
  const first = await original(spec)
  const conflicting: SequenceStep = {
    label: 'the same ID with another body, validly signed',
    method: 'POST',
    headers: entries(await signAttempt({ ...other, deliveryId: spec.deliveryId })),
    body: other.body,
    status: 409,
    reason: 'delivery_conflict',
  }
  const steps = [first, conflicting, await genuineRetry(spec)]
  return {
    name: `${kind}: processed ID with another body`,
    sender: kind,
    steps,
    handlerCalls: 1,
    keys: new ExpectedKeys().processed(kind, spec.deliveryId, 3),
  }
}

export async function buildSequences(): Promise<HostileSequence[]> {
  const replays = await Promise.all(SENDER_KINDS.map(replaySequence))
  const conflicts = await Promise.all(SENDER_KINDS.map(conflictSequence))
  return [...replays, ...conflicts.filter((s): s is HostileSequence => s !== undefined)]
}

/** What was wrong with a step's answer, or undefined when it is what the step expects. */
export function stepMismatch(sequence: HostileSequence, step: SequenceStep, answer: Answer): string | undefined {
  const where = `${sequence.name} / ${step.label}`
  if (answer.status !== step.status) return `${where}: expected ${step.status}, got ${answer.status} ${answer.body.slice(0, 200)}`
  if (step.notEchoed && answer.body.includes(step.notEchoed)) return `${where}: the answer echoes the forged ID`
  let json: { status?: string; reason?: string }
  try {
    json = JSON.parse(answer.body) as typeof json
  } catch {
    return `${where}: body is not JSON: ${answer.body.slice(0, 200)}`
  }
  if (step.reason && json.reason !== step.reason) return `${where}: expected reason ${step.reason}, got ${json.reason}`
  if (step.outcome && json.status !== step.outcome) return `${where}: expected ${step.outcome}, got ${json.status}`
  return undefined
}

export interface ReplayRace {
  sender: SenderKind
  /** The same signed delivery under its own ID and REPLAY_COPIES fresh ones, to be sent all at once. */
  copies: SequenceStep[]
}

/**
 * A replay racing the original (senders whose ID header is unsigned): whichever copy the store
 * sees first is processed, every other one is a replay, since no two copies share an ID.
 */
export async function buildRaces(): Promise<ReplayRace[]> {
  const races: ReplayRace[] = []
  for (const kind of SENDER_KINDS) {
    const { idHeader, idSigned } = SENDER_DEDUPE[kind]
    if (!idHeader || idSigned) continue
    const spec = eventOf('race', kind)
    const first = await original(spec)
    const ids = [spec.deliveryId, ...Array.from({ length: REPLAY_COPIES }, (_, i) => `${spec.deliveryId}-${FORGED}-${i}`)]
    const copies = ids.map((id, i) => ({ ...first, label: `copy ${i} (${id})`, headers: replace(first.headers, idHeader, id) }))
    races.push({ sender: kind, copies })
  }
  return races
}
