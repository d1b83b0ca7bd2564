// What the bare routes and the peer recipes answer: the JSON our middleware answers with.

/** A processed delivery: the same JSON shape our middleware answers one with. */
export const BARE_ANSWER = '{"status":"processed"}'
/** A delivery the SET NX recipe has seen before. */
export const DUPLICATE_ANSWER = '{"status":"duplicate"}'
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

/** The answer every delivery of a run must get: ours, the bare route's and the recipes' alike. */
export const processed = (status: number, body: string) => status === 200 && body.startsWith('{"status":"processed"')
