// What the BullMQ test files share: the Redis admin client, cleanup after each test, unique
// names, and waiting for a condition.
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, inject } from 'vitest'

export const redisUrl = inject('redisUrl')

/** Registers the suite's hooks; `admin()` is the shared client, `closers` run after each test, newest first. */
export function bullmqSuite() {
  let admin: Redis | undefined
  const closers: (() => Promise<unknown>)[] = []
  beforeAll(() => {
    if (redisUrl) admin = new Redis(redisUrl)
  })
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })
  afterAll(() => admin?.disconnect())
  return { admin: () => admin!, closers }
}

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
