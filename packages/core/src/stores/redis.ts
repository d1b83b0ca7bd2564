// `@upload-webhooks/core/redis`: the dedupe store over a TCP Redis client (ioredis or
// node-redis). Its own subpath because it needs node:crypto; the core entry stays runtime-neutral.
import { createHash } from 'node:crypto'
import type { DedupeStore } from '../types.js'
import { COMMIT_SCRIPT, claimOutcome, RELEASE_SCRIPT, StoreUnavailableError } from './protocol.js'

export { StoreUnavailableError } from './protocol.js'

/** ioredis (`Redis`, `Cluster`): has `call(command, ...args)`. */
interface IoRedisLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>
}
/** node-redis v4+ (`createClient()`): has `sendCommand([command, ...args])`. */
interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>
}

export type RedisClientLike = IoRedisLike | NodeRedisLike

export interface RedisStoreOptions {
  /**
   * Give up on a command after this many milliseconds and answer 503, so a request never
   * waits on a client that is reconnecting with an offline queue. Default: 2000.
   */
  commandTimeoutMs?: number
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')

/**
 * Dedupe store over ioredis or node-redis. Claim is one `SET key token NX EX lock GET`
 * (Redis ≥ 7.0); commit and release are one `EVALSHA` each, falling back to `EVAL` once
 * after a server restart flushed the script cache.
 *
 * For fast failure while Redis is down, create the client with its offline queue off
 * (ioredis `enableOfflineQueue: false`, node-redis `disableOfflineQueue: true`).
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): DedupeStore {
  const timeoutMs = options.commandTimeoutMs ?? 2000
  const raw: (args: string[]) => Promise<unknown> =
    typeof (client as IoRedisLike).call === 'function'
      ? (args) => (client as IoRedisLike).call(args[0]!, ...args.slice(1))
      : (args) => (client as NodeRedisLike).sendCommand(args)

  function send(args: string[]): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs)
    })
    return Promise.race([raw(args), timeout]).finally(() => clearTimeout(timer))
  }

  async function runScript(script: string, digest: string, key: string, args: string[]): Promise<number> {
    try {
      return Number(await send(['EVALSHA', digest, '1', key, ...args]))
    } catch (error) {
      if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error
      return Number(await send(['EVAL', script, '1', key, ...args]))
    }
  }

  const commitSha = sha1(COMMIT_SCRIPT)
  const releaseSha = sha1(RELEASE_SCRIPT)
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      throw new StoreUnavailableError(`Redis command failed: ${(error as Error)?.message ?? error}`, { cause: error })
    }
  }

  return {
    claim: (key, token, lockSeconds) =>
      guard(async () => claimOutcome(await send(['SET', key, token, 'NX', 'EX', String(lockSeconds), 'GET']), lockSeconds)),
    commit: (key, token, ttlSeconds) =>
      guard(async () => (await runScript(COMMIT_SCRIPT, commitSha, key, [token, String(ttlSeconds)])) === 1),
    release: (key, token) => guard(async () => (await runScript(RELEASE_SCRIPT, releaseSha, key, [token])) === 1),
  }
}
