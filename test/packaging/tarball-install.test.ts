// The packed tarballs installed with npm into a scratch app outside the repository, as a user
// who ran `npm install @upload-webhooks/core @upload-webhooks/express express` would have them.
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { findRedisServer, type RunningRedis, startRedis } from '../support/redis-server.js'
import { run } from './run.js'

const packed = inject('packed')
let appDir: string

/** A user's environment: not vitest's NODE_ENV, nor the variables that would pick another store or keys. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of [
    'NODE_ENV',
    'REDIS_URL',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'QSTASH_CURRENT_SIGNING_KEY',
    'QSTASH_NEXT_SIGNING_KEY',
  ]) {
    delete env[name]
  }
  return env
}

/** Runs a scratch-app script and parses the one JSON line it prints. */
async function runScript<T>(script: string, env: Record<string, string> = {}): Promise<T> {
  const result = await run(process.execPath, [script], { cwd: appDir, env: { ...userEnv(), ...env } })
  expect(result, `node ${script} in ${appDir}`).toMatchObject({ code: 0 })
  const lastLine = result.output.trim().split('\n').at(-1)!
  return JSON.parse(lastLine) as T
}

/** What a user adds for Redis from the environment and for traces: core's optional peers, and an SDK. */
const OPTIONAL_PEERS = ['ioredis@^5', '@opentelemetry/api@^1.9', '@opentelemetry/sdk-trace-base@2.12.1']

beforeAll(async () => {
  appDir = mkdtempSync(join(tmpdir(), 'upload-webhooks-scratch-app-'))
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify({ name: 'scratch-app', private: true, type: 'module' })}\n`)
  for (const script of ['server.mjs', 'load-every-entry.mjs', 'redis-and-spans.mjs'])
    copyFileSync(new URL(`./scratch-app/${script}`, import.meta.url), join(appDir, script))
  // --legacy-peer-deps: npm would otherwise install every adapter's framework peer (Next alone is
  // hundreds of MB); the app installs its own framework, express, as a user does.
  const install = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--legacy-peer-deps', ...packed.map((pkg) => pkg.tarball), 'express@^5', ...OPTIONAL_PEERS],
    { cwd: appDir, env: userEnv() },
  )
  expect(install, 'npm install of the tarballs').toMatchObject({ code: 0 })
})

afterAll(() => {
  if (appDir) rmSync(appDir, { recursive: true, force: true })
})

it('installs each package from its tarball, not from the registry or a nested copy', () => {
  for (const { name } of packed) {
    expect(existsSync(join(appDir, 'node_modules', name, 'package.json')), name).toBe(true)
    expect(
      existsSync(join(appDir, 'node_modules', name, 'node_modules', '@upload-webhooks')),
      `${name} has a nested @upload-webhooks copy`,
    ).toBe(false)
  }
})

it('loads every JavaScript entry point of every package', async () => {
  const { loaded, failed } = await runScript<{ loaded: string[]; failed: string[] }>('load-every-entry.mjs')
  expect(failed).toEqual([])
  expect(loaded).toEqual(expect.arrayContaining(['@upload-webhooks/core', '@upload-webhooks/core/testing', '@upload-webhooks/express']))
})

it('serves a signed delivery on a real Express server: 200 processed, then 200 duplicate', async () => {
  const { answers, handled } = await runScript<{ answers: { status: number; body: { status: string } }[]; handled: unknown[] }>(
    'server.mjs',
  )
  expect(answers).toMatchObject([
    { status: 200, body: { status: 'processed' } },
    { status: 200, body: { status: 'duplicate' } },
  ])
  expect(handled).toEqual([{ deliveryId: 'msg_tarball_1', fileName: 'tarball.txt' }])
})

const redisBinary = findRedisServer()
it.skipIf(!redisBinary && process.env.CI !== 'true')(
  'follows the README: REDIS_URL picks the Redis store, and a registered SDK gets one span per delivery',
  async () => {
    let redis: RunningRedis | undefined
    try {
      redis = await startRedis(redisBinary!)
      const result = await runScript<{ answers: string[]; storeLine?: string; keys: number; spans: { name: string; outcome: string }[] }>(
        'redis-and-spans.mjs',
        { REDIS_URL: redis.url },
      )
      expect(result.answers).toEqual(['processed', 'duplicate'])
      expect(result.storeLine).toMatch(/dedupe store: Redis at 127\.0\.0\.1:\d+ \(REDIS_URL\)/)
      expect(result.keys).toBeGreaterThanOrEqual(2) // the delivery's record and its replay nonce
      expect(result.spans).toEqual([
        { name: 'upload-webhooks.delivery', outcome: 'processed' },
        { name: 'upload-webhooks.delivery', outcome: 'duplicate' },
      ])
    } finally {
      await redis?.stop()
    }
  },
)
