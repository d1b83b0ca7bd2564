// What part 1b's server (inside.ts) times and reports; shared with the parent, which must not
// import the server module itself (importing it starts a server).

/** What is timed, one per request in turn. */
export const INSIDE_WORK = ['floor', 'verify', 'bound', 'receive'] as const
export type InsideWork = (typeof INSIDE_WORK)[number]

/** Per piece of work: total milliseconds, deliveries timed, and deliveries it did not accept. */
export type InsideStats = Record<InsideWork, { totalMs: number; count: number; refused: number }>
