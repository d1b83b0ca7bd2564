// What the bare routes and the peer recipes answer: the JSON our middleware answers with.

/** A processed delivery: the same JSON shape our middleware answers one with. */
export const BARE_ANSWER = '{"status":"processed"}'
/** A delivery the SET NX recipe has seen before. */
export const DUPLICATE_ANSWER = '{"status":"duplicate"}'
/** The queue recipe's answer once the job is added. */
export const QUEUED_ANSWER = '{"status":"accepted"}'
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

/** The answer every delivery of a run must get: ours, the bare route's and the recipes' alike. */
export const processed = (status: number, body: string) => status === 200 && body.startsWith('{"status":"processed"')

/** Ours with `defer`: 202 `accepted` once the engine holds the job. */
export const deferred = (status: number, body: string) => status === 202 && body.startsWith('{"status":"accepted"')
/** The queue recipe: 200 once `queue.add` resolved. */
export const queued = (status: number, body: string) => status === 200 && body === QUEUED_ANSWER
