// Vitest global setup: one real redis-server per test run, shared through inject('redisUrl').
// No redis-server locally → Redis tests skip with a loud notice; under CI=true that is a failure.
import type { TestProject } from 'vitest/node'
import { findRedisServer, type RunningRedis, startRedis } from './redis-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis://127.0.0.1:<port>` of the shared test server, or undefined when none could start. */
    redisUrl: string | undefined
    /** Path of the redis-server binary, for tests that start their own (restarts, kills). */
    redisServerPath: string | undefined
  }
}

let running: RunningRedis | undefined

export async function setup(project: TestProject) {
  const binary = findRedisServer()
  if (!binary) {
    const message = 'redis-server is not installed: Redis-backed tests cannot run (apt-get install redis-server).'
    if (process.env.CI === 'true') throw new Error(`${message} CI=true does not skip them.`)
    console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING REDIS TESTS: ${message}\n${'!'.repeat(78)}\n`)
    project.provide('redisUrl', undefined)
    project.provide('redisServerPath', undefined)
    return
  }
  running = await startRedis(binary)
  project.provide('redisUrl', running.url)
  project.provide('redisServerPath', binary)
}

export async function teardown() {
  await running?.stop()
}
