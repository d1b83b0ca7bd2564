// `@upload-webhooks/core/redis`: the dedupe store over a TCP Redis client (ioredis or node-redis,
// single node or cluster). Its own subpath because it needs node:crypto; the core entry stays
// runtime-neutral.
import { createHash } from 'node:crypto'
import { numberOption } from '../options.js'
import type { ClaimOutcome, DedupeStore, NonceClaim } from '../types.js'
import {
  CLAIM_WITH_NONCE_SCRIPT,
  COMMIT_SCRIPT,
  claimOutcome,
  doneValue,
  nonceClaimOutcome,
  RELEASE_SCRIPT,
  StoreUnavailableError,
} from './protocol.js'

export { StoreUnavailableError } from './protocol.js'

/** ioredis (`Redis`, `Cluster`): has `call(command, ...args)`; a `Cluster` says `isCluster`. */
interface IoRedisLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>
  isCluster?: boolean
}
/** node-redis v4+ `createClient()`: has `sendCommand([command, ...args])`. */
interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>
}
/** node-redis `createCluster()`: `sendCommand(firstKey, isReadonly, args)`, and a `masters` list. */
interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>
  readonly masters: unknown
}

export type RedisClientLike = IoRedisLike | NodeRedisLike | NodeRedisClusterLike

export interface RedisStoreOptions {
  /**
   * Give up on a command after this many milliseconds (1 to 60 000) and answer 503, so a request
   * never waits on a client that is reconnecting with an offline queue. Default: 2000.
   */
  commandTimeoutMs?: number
}

const isOne = (reply: unknown) => Number(reply) === 1
const unavailable = (what: string, cause?: unknown) =>
  new StoreUnavailableError(`Redis ${what}`, cause === undefined ? undefined : { cause })

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')

type Send = (key: string, args: string[]) => Promise<unknown>

/** One way to send a command whatever the client; the key routes it on a cluster. */
function sender(client: RedisClientLike): { send: Send; cluster: boolean } {
  if (typeof (client as IoRedisLike).call === 'function') {
    const io = client as IoRedisLike
    return { send: (_key, args) => io.call(...(args as [string, ...string[]])), cluster: io.isCluster === true }
  }
  if ('masters' in client) {
    const cluster = client as NodeRedisClusterLike
    return { send: (key, args) => cluster.sendCommand(key, false, args), cluster: true }
  }
  const single = client as NodeRedisLike
  return { send: (_key, args) => single.sendCommand(args), cluster: false }
}

/**
 * Dedupe store over ioredis or node-redis. Claim is one `SET key token NX EX lock GET`
 * (Redis ≥ 7.0), or with a replay nonce one `EVALSHA` over both keys; commit and release are one
 * `EVALSHA` each (the scripts are loaded when the store is made), falling back to `EVAL` once
 * after a server restart flushed the script cache.
 * On a cluster the nonce and the claim live in different slots, so they go as two commands in
 * parallel (still one round trip of latency), and a claim made for a replay is released.
 *
 * For fast failure while Redis is down, create the client with its offline queue off
 * (ioredis `enableOfflineQueue: false`, node-redis `disableOfflineQueue: true`).
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): DedupeStore {
  const timeoutMs = numberOption('redisStore()', 'commandTimeoutMs', options.commandTimeoutMs, 2000, { min: 1, max: 60_000 })
  const { send: unguarded, cluster } = sender(client)
  // A closed node-redis client throws instead of rejecting: one failure path for both.
  const raw: Send = (key, args) => {
    try {
      return unguarded(key, args)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * One command, as one promise settled by the reply or the timer: Promise.race, finally() and
   * an async layer per call would add promises and microtask turns to every claim and commit.
   * Given its `script`, an EVALSHA that Redis answers NOSCRIPT (its cache flushed by a restart)
   * goes once more as EVAL. Every failure answers as a StoreUnavailableError.
   */
  function send(key: string, args: string[], script?: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable(`did not answer within ${timeoutMs} ms`)), timeoutMs)
      const failed = (error: unknown) => {
        clearTimeout(timer)
        const message = (error as Error)?.message ?? String(error)
        if (script && message.includes('NOSCRIPT')) resolve(send(key, ['EVAL', script, ...args.slice(2)]))
        else reject(unavailable(`command failed: ${message}`, error))
      }
      raw(key, args).then((reply) => {
        clearTimeout(timer)
        resolve(reply)
      }, failed)
    })
  }

  const claimSha = sha1(CLAIM_WITH_NONCE_SCRIPT)
  const commitSha = sha1(COMMIT_SCRIPT)
  const releaseSha = sha1(RELEASE_SCRIPT)
  // Loaded now, so the first deliveries after a start skip EVALSHA's NOSCRIPT round trip. If this
  // fails (no connection yet, or another cluster node) the EVAL fallback loads them on first use.
  for (const script of [CLAIM_WITH_NONCE_SCRIPT, COMMIT_SCRIPT, RELEASE_SCRIPT]) {
    raw('', ['SCRIPT', 'LOAD', script]).catch(() => undefined)
  }
  const setIfAbsent = (key: string, value: string, seconds: number) => send(key, ['SET', key, value, 'NX', 'EX', String(seconds), 'GET'])
  // Each script's command is written out whole: one array per command, which `send` hands the client as is.
  const release = (key: string, token: string) => send(key, ['EVALSHA', releaseSha, '1', key, token], RELEASE_SCRIPT)

  async function claimOnCluster(key: string, token: string, lockSeconds: number, nonce: NonceClaim): Promise<ClaimOutcome> {
    const [nonceReply, claimReply] = await Promise.allSettled([
      setIfAbsent(nonce.key, nonce.owner, nonce.ttlSeconds),
      setIfAbsent(key, token, lockSeconds),
    ])
    if (claimReply.status === 'rejected') throw claimReply.reason
    const previous = claimReply.value
    if (nonceReply.status === 'rejected') {
      // Answering 503 with our claim still set would lock the sender's retry out for lockSeconds.
      if (previous === null || previous === undefined) await release(key, token).catch(() => undefined)
      throw nonceReply.reason
    }
    const owner = nonceReply.value
    if (owner !== null && owner !== undefined && String(owner) !== nonce.owner) {
      if (previous === null || previous === undefined) await release(key, token)
      return { state: 'replayed' }
    }
    return claimOutcome(previous, token, lockSeconds)
  }

  return {
    claim: (key, token, lockSeconds, nonce) => {
      if (!nonce) return setIfAbsent(key, token, lockSeconds).then((previous) => claimOutcome(previous, token, lockSeconds))
      if (cluster) return claimOnCluster(key, token, lockSeconds, nonce)
      const command = ['EVALSHA', claimSha, '2', key, nonce.key, token, String(lockSeconds), nonce.owner, String(nonce.ttlSeconds)]
      return send(key, command, CLAIM_WITH_NONCE_SCRIPT).then((reply) => nonceClaimOutcome(reply, token, lockSeconds))
    },
    commit: (key, token, ttlSeconds) =>
      send(key, ['EVALSHA', commitSha, '1', key, token, String(ttlSeconds), doneValue(token)], COMMIT_SCRIPT).then(isOne),
    release: (key, token) => release(key, token).then(isOne),
    forget: (key) => send(key, ['DEL', key]).then(isOne),
  }
}
