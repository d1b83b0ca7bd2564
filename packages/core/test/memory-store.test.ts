import { afterEach, describe, expect, it, vi } from 'vitest'

afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
  vi.resetModules()
})

// Fresh module per test: the production warning is once per process.
const load = async () => (await import('../src/stores/memory.js')).memoryStore

describe('memoryStore', () => {
  it('keeps at most maxEntries keys, dropping the oldest first', async () => {
    const store = (await load())({ maxEntries: 3 })
    for (const key of ['a', 'b', 'c', 'd']) await store.claim(key, `claim:${key}`, 30)
    expect(await store.claim('a', 'claim:a2', 30)).toEqual({ state: 'claimed' }) // 'a' was evicted
    expect(await store.claim('d', 'claim:d2', 30)).toMatchObject({ state: 'in-flight' })
  })

  it('evicts by last write, so a committed delivery outlives older claims', async () => {
    const store = (await load())({ maxEntries: 3 })
    for (const key of ['a', 'b', 'c']) await store.claim(key, `claim:${key}`, 30)
    expect(await store.commit('a', 'claim:a', 60)).toBe(true) // rewritten: now the newest
    await store.claim('d', 'claim:d', 30) // evicts b
    await store.claim('e', 'claim:e', 30) // evicts c
    expect(await store.claim('a', 'claim:a2', 30)).toEqual({ state: 'done' }) // a read, not rewritten: order a d e
    expect(await store.claim('b', 'claim:b2', 30)).toEqual({ state: 'claimed' }) // b was evicted; now evicts a
    expect(await store.claim('d', 'claim:d2', 30)).toMatchObject({ state: 'in-flight' })
    expect(await store.claim('a', 'claim:a3', 30)).toEqual({ state: 'claimed' })
  })

  it("keeps a claim in flight when the wall clock is set back past the store's making", async () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z') })
    try {
      const store = (await load())()
      vi.setSystemTime(new Date('2026-12-01T11:00:00Z'))
      expect(await store.claim('a', 'claim:fp:1', 30)).toEqual({ state: 'claimed' })
      // A negative expiry would read as processed and answer a running delivery as a duplicate.
      expect(await store.claim('a', 'claim:fp:2', 30)).toMatchObject({ state: 'in-flight' })
      expect(await store.commit('a', 'claim:fp:1', 60)).toBe(true)
      expect(await store.claim('a', 'claim:fp:3', 30)).toEqual({ state: 'done' })
    } finally {
      vi.useRealTimers()
    }
  })

  it("warns once, naming the fix, through the router's logger when used with NODE_ENV=production", async () => {
    const warn = vi.fn()
    vi.stubEnv('NODE_ENV', 'production')
    const memoryStore = await load()
    memoryStore().useLogger?.({ warn, error() {} })
    memoryStore().useLogger?.({ warn, error() {} })
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]![0]).toMatch(/redisStore|upstashStore/)
  })

  it("follows the router's `production` over NODE_ENV", async () => {
    const warn = vi.fn()
    vi.stubEnv('NODE_ENV', 'development')
    const memoryStore = await load()
    memoryStore().useLogger?.({ warn, error() {} }, { production: false })
    expect(warn).not.toHaveBeenCalled()
    memoryStore().useLogger?.({ warn, error() {} }, { production: true })
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it('stays quiet outside production', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.stubEnv('NODE_ENV', 'development')
    ;(await load())().useLogger?.(console)
    expect(warn).not.toHaveBeenCalled()
  })
})
