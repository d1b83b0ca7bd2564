// `upload-webhooks doctor` as a child process: each broken layer is named with its fix, and no handler runs.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { devSigningKeys } from '@upload-webhooks/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listReceived } from '../../../examples/express/src/received.js'
import { freePort } from '../../../test/support/redis-server.js'
import {
  healthyExample,
  jsonParserFirst,
  nextStyleRoute,
  type RunningServer,
  storeDownExample,
  wrongUrlExample,
} from './support/example-servers.js'
import { runCli } from './support/run-cli.js'

let healthy: RunningServer
let parserFirst: RunningServer
let wrongUrl: RunningServer
let storeDown: RunningServer

beforeAll(async () => {
  ;[healthy, parserFirst, wrongUrl, storeDown] = await Promise.all([
    healthyExample(),
    jsonParserFirst(),
    wrongUrlExample('https://hooks.example.com/api/webhooks/upload'),
    storeDownExample(),
  ])
})
afterAll(() => Promise.all([healthy, parserFirst, wrongUrl, storeDown].map((server) => server?.close())))

/** A self-signed certificate for 127.0.0.1 (openssl), or undefined where openssl is missing. */
function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'cli-tls-'))
  try {
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ])
    if (made.status !== 0) return undefined
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') }
  } catch {
    return undefined
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
const certificate = selfSignedCertificate()

const checksOf = (result: any) => Object.fromEntries(result.checks.map((check: any) => [check.name, check]))

describe('doctor', () => {
  it('passes on the healthy example: GET 405 with Allow: POST, the probe 200 ignored, and no handler ran', async () => {
    const before = listReceived()
    const run = await runCli(['doctor', healthy.url, '--json'])
    expect(run.code).toBe(0)
    const result = run.json()
    expect(result.ok).toBe(true)
    const checks = checksOf(result)
    expect(checks.route).toMatchObject({ ok: true, answer: { status: 405, headers: { allow: 'POST' } } })
    expect(checks.probe).toMatchObject({ ok: true, answer: { status: 200, outcome: 'ignored' } })
    expect(listReceived()).toEqual(before)
    expect(result.keys.signing.fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/)
    expect(run.stdout).not.toContain(devSigningKeys.currentSigningKey)
    expect(run.stdout).not.toContain(devSigningKeys.nextSigningKey)
  })

  it('prints a checklist for people', async () => {
    const run = await runCli(['doctor', healthy.url])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/✓ route +GET → 405 method_not_allowed/)
    expect(run.stdout).toMatch(/✓ probe +POST upload-webhooks\.doctor → 200 ignored/)
    expect(run.stdout).toContain('all checks passed')
  })

  it('a body parser in front: the body layer, fix names express.json()', async () => {
    const run = await runCli(['doctor', parserFirst.url, '--json'])
    expect(run.code).toBe(1)
    const probe = checksOf(run.json()).probe
    expect(probe).toMatchObject({ ok: false, answer: { status: 500, reason: 'raw_body_unavailable' }, diagnosis: { layer: 'body' } })
    expect(probe.diagnosis.fix).toContain('express.json()')
  })

  it('a wrong configured URL: the url layer, fix names WEBHOOK_PUBLIC_URL and the URL to set', async () => {
    const run = await runCli(['doctor', wrongUrl.url])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/✗ probe +POST upload-webhooks\.doctor → 401 wrong_url/)
    expect(run.stdout).toContain('WEBHOOK_PUBLIC_URL')
    expect(run.stdout).toContain(`to exactly ${wrongUrl.url}`)
  })

  it('the store down: 503 store_unavailable, like a real delivery', async () => {
    const run = await runCli(['doctor', storeDown.url, '--json'])
    expect(run.code).toBe(1)
    const probe = checksOf(run.json()).probe
    expect(probe).toMatchObject({ answer: { status: 503, reason: 'store_unavailable' }, diagnosis: { layer: 'store' } })
  })

  it('other keys: the keys layer with the fingerprints used, never the key', async () => {
    const run = await runCli(['doctor', healthy.url, '--current-key', 'sig_someone_elses_key'])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/✗ probe .* 401 invalid_signature/)
    expect(run.stdout).toMatch(/signed with --current-key sha256:[0-9a-f]{16}/)
    expect(run.stdout).not.toContain('sig_someone_elses_key')
  })

  it('a wrong path: the routing layer, 404', async () => {
    const run = await runCli(['doctor', healthy.at('/api/webhooks/uplaod'), '--json'])
    expect(run.code).toBe(1)
    expect(checksOf(run.json()).route).toMatchObject({ ok: false, answer: { status: 404 }, diagnosis: { layer: 'routing' } })
  })

  it('a page instead of the webhook route: GET must be 405, not 200', async () => {
    const run = await runCli(['doctor', healthy.at('/'), '--json'])
    expect(run.code).toBe(1)
    expect(checksOf(run.json()).route.diagnosis.problem).toContain('not 405 with Allow: POST')
  })

  it('a Next.js-style route (GET 405 without Allow, OPTIONS lists POST) passes; without the OPTIONS list it does not', async () => {
    const next = await nextStyleRoute()
    const bare = await nextStyleRoute(false)
    try {
      const passing = await runCli(['doctor', next.url, '--json'])
      expect(passing.code).toBe(0)
      expect(checksOf(passing.json()).route).toMatchObject({ ok: true, request: 'GET, OPTIONS' })
      const failing = await runCli(['doctor', bare.url, '--json'])
      expect(failing.code).toBe(1)
      expect(checksOf(failing.json()).route.diagnosis.problem).toContain('not 405 with Allow: POST')
    } finally {
      await Promise.all([next.close(), bare.close()])
    }
  })

  it('nothing listening: the network layer, and no probe is sent', async () => {
    const run = await runCli(['doctor', `http://127.0.0.1:${await freePort()}/api/webhooks/upload`, '--json'])
    expect(run.code).toBe(1)
    const result = run.json()
    expect(result.checks).toHaveLength(1)
    expect(result.checks[0]).toMatchObject({
      name: 'route',
      answer: { networkError: { code: 'ECONNREFUSED' } },
      diagnosis: { layer: 'network' },
    })
  })

  it.skipIf(!certificate)('a certificate the client does not trust: the tls layer', async () => {
    const server = createHttpsServer(certificate!, (_req, res) => res.writeHead(405, { allow: 'POST' }).end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const run = await runCli(['doctor', `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/upload`, '--json'])
      expect(run.code).toBe(1)
      expect(checksOf(run.json()).route).toMatchObject({
        answer: { networkError: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } },
        diagnosis: { layer: 'tls' },
      })
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('a server that never answers: the network layer, after --timeout', async () => {
    const sockets: Socket[] = []
    const server = createTcpServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const run = await runCli([
        'doctor',
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/upload`,
        '--timeout',
        '300',
        '--json',
      ])
      expect(run.code).toBe(1)
      const route = checksOf(run.json()).route
      expect(route).toMatchObject({ answer: { networkError: { code: 'TIMEOUT' } }, diagnosis: { layer: 'network' } })
      expect(route.diagnosis.fix).toContain('--timeout')
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('a URL that is not http(s) is refused with an example', async () => {
    const run = await runCli(['doctor', 'ftp://example.com/hook'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/error: <url> must be http:\/\/ or https:\/\/[\s\S]*fix: +pass an absolute URL/)
  })
})
