// Vitest global setup: one real three-master Redis Cluster per test run, shared through
// inject('redisClusterNodes'). Missing binaries locally → cluster tests skip with a loud notice;
// under CI=true that is a failure, as for the single-node server.
import type { TestProject } from 'vitest/node'
import { findRedisCli, type RunningCluster, startRedisCluster } from './redis-cluster.js'
import { findRedisServer } from './redis-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `127.0.0.1:<port>` of each master of the shared test cluster, or undefined when none could start. */
    redisClusterNodes: string[] | undefined
  }
}

let running: RunningCluster | undefined

export async function setup(project: TestProject) {
  const server = findRedisServer()
  const cli = findRedisCli()
  if (!server || !cli) {
    const missing = [server ? undefined : 'redis-server', cli ? undefined : 'redis-cli'].filter(Boolean).join(' and ')
    const message = `${missing} not installed: Redis Cluster tests cannot run (apt-get install redis-server ships both).`
    if (process.env.CI === 'true') throw new Error(`${message} CI=true does not skip them.`)
    console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING REDIS CLUSTER TESTS: ${message}\n${'!'.repeat(78)}\n`)
    project.provide('redisClusterNodes', undefined)
    return
  }
  running = await startRedisCluster(server, cli)
  project.provide('redisClusterNodes', running.nodes)
}

export async function teardown() {
  await running?.stop()
}
