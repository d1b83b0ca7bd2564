// What the app has received, shown at GET /uploads. A stand-in for your database: kept in
// process memory (on globalThis, so every route bundle of a framework sees the same list).

export interface ReceivedUpload {
  deliveryId: string
  /** 0 on the first attempt, n on the sender's n-th retry. */
  attempt: number
  sender: string
  file: { id: string; name?: string; size?: number; contentType?: string; url?: string; key?: string }
  metadata: Record<string, unknown>
  receivedAt: string
}

export interface ReceivedFailure {
  deliveryId: string
  /** The message QStash gave up on. */
  sourceMessageId: string
  /** What the destination last answered. */
  status: number
  url: string
  dlqId?: string
  receivedAt: string
}

export interface Received {
  uploads: ReceivedUpload[]
  failures: ReceivedFailure[]
}

/** Oldest entries are dropped past this many of each kind. */
const LIMIT = 100
const KEY = Symbol.for('upload-webhooks.example.received')
const registry = globalThis as Record<symbol, unknown>
registry[KEY] ??= { uploads: [], failures: [] }
const state = registry[KEY] as Received

function push<T>(list: T[], item: T) {
  list.push(item)
  if (list.length > LIMIT) list.shift()
}

export const saveUpload = (upload: ReceivedUpload) => push(state.uploads, upload)
export const saveFailure = (failure: ReceivedFailure) => push(state.failures, failure)
export const listReceived = (): Received => ({ uploads: [...state.uploads], failures: [...state.failures] })
