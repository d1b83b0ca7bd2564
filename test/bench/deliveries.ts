// Driving a benchmark server with signed deliveries through autocannon: the request every part
// sends, and a run of an exact number of them. Every answer is checked: each delivery is new, so
// anything but 200 `processed` means the harness does not measure what it claims.
import autocannon from 'autocannon'
import { WEBHOOK_PATH } from './payload.js'
import { processed } from './servers/answers.js'
import type { NextDelivery } from './signed-deliveries.js'

/** Answers other than `processed`: how many, and the first one. */
export interface Unexpected {
  unexpected: number
  firstUnexpected?: string
}

/** The answer every delivery of a run must get. */
export type Expected = (status: number, body: string) => boolean

/** autocannon's request list: a new signed delivery per request, each answer not `expected` tallied into `seen`. */
export function deliveryRequests(next: NextDelivery, seen: Unexpected, expected: Expected = processed): autocannon.Request[] {
  return [
    {
      method: 'POST',
      path: WEBHOOK_PATH,
      setupRequest: (request) => ({ ...request, ...next() }),
      onResponse: (status, body) => {
        if (expected(status, body)) return
        seen.unexpected++
        seen.firstUnexpected ??= `${status} ${body.slice(0, 200)}`
      },
    },
  ]
}

/** Exactly `amount` deliveries over up to `connections` keep-alive connections. */
export async function deliver(
  port: number,
  next: NextDelivery,
  amount: number,
  connections: number,
): Promise<Unexpected & { answered: number; errors: number }> {
  const seen: Unexpected = { unexpected: 0 }
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: Math.min(connections, Math.max(1, amount)),
    pipelining: 1,
    amount,
    // autocannon notices the last answer only on its next sample tick (default 1 s).
    sampleInt: 50,
    requests: deliveryRequests(next, seen),
  })
  return { answered: result.requests.total, errors: result.errors + result.timeouts, ...seen }
}
