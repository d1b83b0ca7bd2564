// Core inside workerd (Miniflare), bundled from its built `dist` the way a Workers build resolves
// packages: workerd/worker/browser conditions, no `node`, no nodejs_compat (docs/architecture.md, "Crypto").
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { signQStash } from '@upload-webhooks/core/testing'
import { Redis as IORedis } from 'ioredis'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { serveUpstashRest, type UpstashRestServer } from '../../packages/core/test/upstash-rest.js'
import { bundle } from './bundle.js'

const redisUrl = inject('redisUrl')
const started: Miniflare[] = []

async function startWorker(entry: string, options: { bindings?: Record<string, string>; nodejsCompat?: boolean } = {}) {
  const contents = await bundle(entry, options.nodejsCompat ? ['node:*'] : [])
  let output = ''
  const worker = new Miniflare({
    modules: [{ type: 'ESModule', path: fileURLToPath(new URL('worker.js', import.meta.url)), contents }],
    compatibilityDate: '2025-07-18',
    compatibilityFlags: options.nodejsCompat ? ['nodejs_compat'] : [],
    bindings: options.bindings ?? {},
    handleRuntimeStdio: (stdout, stderr) => {
      for (const stream of [stdout, stderr])
        stream.on('data', (chunk) => {
          output += chunk
        })
    },
  })
  started.push(worker)
  // A Worker that throws in global scope never starts; the reason is only in workerd's output.
  await worker.ready.catch((error: Error) => {
    throw new Error(`${entry.split('\n')[0]} did not start in workerd: ${output.trim() || error.message}`)
  })
  return worker
}

afterAll(async () => {
  await Promise.all(started.map((worker) => worker.dispose()))
})

/** A QStash delivery signed with the dev keys for `url`, and the same body with one byte changed. */
async function delivery(url: string, fileId: string, messageId = `msg_${randomUUID()}`) {
  const body = JSON.stringify({ event: 'onUploadComplete', file: { id: fileId, key: `uploads/${fileId}.jpg` } })
  const headers = { 'content-type': 'application/json', ...(await signQStash({ body, url, messageId })) }
  const init = (text: string) => ({ method: 'POST', headers, body: text })
  return { messageId, signed: init(body), tampered: init(body.replace(fileId, `${fileId}x`)) }
}

const answer = async (response: { status: number; json(): Promise<unknown> }) => ({ status: response.status, body: await response.json() })
const accepted = (status: 'processed' | 'duplicate', deliveryId: string) => ({ status: 200, body: { status, deliveryId } })

describe('core in workerd, router made in global scope', () => {
  let worker: Miniflare
  beforeAll(async () => {
    worker = await startWorker('./worker.ts')
  }, 60_000)

  it('processes a signed delivery once, answers duplicate for the same ID, 401 for a tampered body', async () => {
    const url = 'http://localhost/api/webhooks/upload'
    const { messageId, signed, tampered } = await delivery(url, 'file_workerd')
    expect(await answer(await worker.dispatchFetch(url, signed))).toEqual(accepted('processed', messageId))
    expect(await answer(await worker.dispatchFetch(url, signed))).toEqual(accepted('duplicate', messageId))
    expect(await answer(await worker.dispatchFetch(url, tampered))).toMatchObject({ status: 401, body: { reason: 'body_hash_mismatch' } })
    expect(await (await worker.dispatchFetch('http://localhost/handled')).json()).toEqual([`${messageId}:file_workerd`])
  })
})

describe.skipIf(!redisUrl)('upstashStore in workerd, against an Upstash-REST-shaped server over real Redis', () => {
  let admin: IORedis
  let upstash: UpstashRestServer
  let worker: Miniflare
  beforeAll(async () => {
    admin = new IORedis(redisUrl!)
    upstash = await serveUpstashRest(admin)
    worker = await startWorker('./worker.ts', { bindings: { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: 'test-token' } })
  }, 60_000)
  afterAll(async () => {
    await upstash?.close()
    admin?.disconnect()
  })

  it('claims and commits in Redis through the REST client; a duplicate is found there', async () => {
    const url = 'http://localhost/upstash/api/webhooks/upload'
    const { messageId, signed, tampered } = await delivery(url, 'file_upstash')
    expect(await answer(await worker.dispatchFetch(url, signed))).toEqual(accepted('processed', messageId))
    expect(await admin.get(`upload-webhooks:qstash:${messageId}`)).toMatch(/^done:/)
    expect(await answer(await worker.dispatchFetch(url, signed))).toEqual(accepted('duplicate', messageId))
    expect((await worker.dispatchFetch(url, tampered)).status).toBe(401)
  })
})

describe('the h3 adapter in workerd, as a Nitro cloudflare-module handler (h3 v1 toWebHandler)', () => {
  let worker: Miniflare
  beforeAll(async () => {
    worker = await startWorker('./h3-worker.ts')
  }, 60_000)

  it('processes a signed delivery and refuses a tampered one', async () => {
    const url = 'https://app.example.com/api/webhooks/upload'
    const { messageId, signed, tampered } = await delivery(url, 'file_h3')
    expect(await answer(await worker.dispatchFetch(url, signed))).toEqual(accepted('processed', messageId))
    expect((await worker.dispatchFetch(url, tampered)).status).toBe(401)
    expect(await (await worker.dispatchFetch('https://app.example.com/handled')).json()).toEqual(['file_h3'])
  })
})

// Every subpath core exports, so an entry added later is checked too. `/redis` needs node:crypto,
// so it runs under nodejs_compat, the one way it loads in workerd.
const exported = Object.keys(JSON.parse(readFileSync(new URL('../../packages/core/package.json', import.meta.url), 'utf8')).exports)
const entries = exported.filter((path) => path !== './package.json').map((path) => path.replace(/^\./, '@upload-webhooks/core'))

describe('every entry of core imported in global scope', () => {
  it.each(entries)(
    '%s',
    async (entry) => {
      const nodejsCompat = entry.endsWith('/redis')
      const worker = await startWorker(
        `import * as entry from '${entry}'\nexport default { fetch: () => Response.json(Object.keys(entry)) }`,
        { nodejsCompat },
      )
      expect(((await (await worker.dispatchFetch('http://localhost/')).json()) as string[]).length).toBeGreaterThan(0)
    },
    60_000,
  )
})
