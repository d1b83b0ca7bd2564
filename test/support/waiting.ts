// Waiting for a condition, and names no other test uses: shared by the packages' tests that
// drive real queues and child processes.

let n = 0
/** A name no other test in any process uses. */
export const fresh = (what: string) => `${what}-${process.pid}-${Date.now()}-${n++}`
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Resolves once `check` holds; throws after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting')
    await sleep(25)
  }
}
