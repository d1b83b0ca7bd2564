// A private redis-server per scenario (so it can be restarted or flushed freely) and a client to read it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { inject } from 'vitest'
import { type RunningRedis, startRedis } from '../../support/redis-server.js'

export const redisServerPath = inject('redisServerPath')

export interface ScenarioRedis {
  server: RunningRedis
  /** Reader for assertions (its own connection, offline queue on: it waits out restarts). */
  client: Redis
  /**
   * Crash-restarts redis-server on the same port (SIGKILL, then start again after `downMs`).
   * With `durable`, every write is fsync'ed to an append-only file first, so the restarted
   * server has every acknowledged key back (claims, `done` markers, effects), as a managed
   * Redis would.
   */
  restart(downMs: number): Promise<void>
  stop(): Promise<void>
}

export async function startScenarioRedis(options: { durable?: boolean } = {}): Promise<ScenarioRedis> {
  if (!redisServerPath) throw new Error('redis-server is not installed (apt-get install redis-server)')
  const dir = options.durable ? mkdtempSync(join(tmpdir(), 'uw-reliability-redis-')) : undefined
  const args = dir ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'] : []
  let server = await startRedis(redisServerPath, undefined, args)
  const client = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 })
  client.on('error', () => {})
  return {
    get server() {
      return server
    },
    client,
    async restart(downMs) {
      const port = server.port
      await server.stop()
      await new Promise((resolve) => setTimeout(resolve, downMs))
      server = await startRedis(redisServerPath!, port, args)
    },
    async stop() {
      client.disconnect()
      await server.stop()
      if (dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}
