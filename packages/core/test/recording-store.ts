import type { DedupeStore } from '@upload-webhooks/core'

/** Wraps a store and records every call, to prove which deliveries touched it. */
export function recordingStore(inner: DedupeStore) {
  const calls: { op: 'claim' | 'commit' | 'release'; key: string }[] = []
  const store: DedupeStore = {
    claim: (key, token, lock, nonce) => {
      calls.push({ op: 'claim', key })
      return inner.claim(key, token, lock, nonce)
    },
    commit: (key, token, ttl) => {
      calls.push({ op: 'commit', key })
      return inner.commit(key, token, ttl)
    },
    release: (key, token) => {
      calls.push({ op: 'release', key })
      return inner.release(key, token)
    },
  }
  return { store, calls }
}

/** A store whose every call fails, as an unreachable Redis would. */
export const downStore: DedupeStore = {
  claim: () => Promise.reject(new Error('ECONNREFUSED')),
  commit: () => Promise.reject(new Error('ECONNREFUSED')),
  release: () => Promise.reject(new Error('ECONNREFUSED')),
}
