// What the BullMQ test files share: the Redis admin client and cleanup after each test (unique
// names and waiting come from the repository's test support).
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

export { fresh, sleep, until } from '../../../../test/support/waiting.js'
