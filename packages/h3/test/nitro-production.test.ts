// A Nitro (Nuxt) production build is production however it is started: `nuxt build` suggests
// `node .output/server/index.mjs`, which leaves NODE_ENV unset. The published dev keys must not
// verify there.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryStore, qstash, WebhookConfigError } from '@upload-webhooks/core'
import { devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { uploadWebhooks } from '../src/index.js'

afterEach(() => {
  vi.unstubAllEnvs()
  vi.unstubAllGlobals()
})

const onDevKeys =
  (extra: { production?: boolean } = {}) =>
  () =>
    uploadWebhooks({
      verify: qstash({ ...devSigningKeys }),
      handlers: {},
      store: memoryStore(),
      logger: silentLogger,
      url: 'https://app.example.com/api/webhooks/upload',
      ...extra,
    })

describe('the h3 adapter as a package Nitro left external (its node server entry ran first)', () => {
  it('refuses a verifier on the published dev keys without NODE_ENV, naming the options', () => {
    vi.stubEnv('NODE_ENV', '')
    expect(onDevKeys()).not.toThrow()
    vi.stubGlobal('_importMeta_', { url: 'file:///app/.output/server/index.mjs', env: process.env })
    expect(onDevKeys()).toThrow(WebhookConfigError)
    expect(onDevKeys()).toThrow(/`currentSigningKey` \(qstash\(\)\), `nextSigningKey` \(qstash\(\)\) are published development keys/)
  })

  it("runs on them in Nitro's dev worker (nuxt dev)", () => {
    vi.stubGlobal('_importMeta_', { url: 'file:///app/.nuxt/dev/index.mjs', env: process.env })
    vi.stubEnv('NITRO_DEV_WORKER_ID', '1')
    expect(onDevKeys()).not.toThrow()
  })

  it('an explicit `production` wins', () => {
    vi.stubGlobal('_importMeta_', { url: 'file:///app/.output/server/index.mjs', env: process.env })
    expect(onDevKeys({ production: false })).not.toThrow()
    vi.stubGlobal('_importMeta_', undefined)
    expect(onDevKeys({ production: true })).toThrow(/published development keys/)
  })
})

describe('inlined by Nitro: its bundler writes the build flag over import.meta.dev', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h3-nitro-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const source = readFileSync(new URL('../src/nitro.ts', import.meta.url), 'utf8')

  /** The module as Nitro's replace plugin leaves it (same delimiters: a word boundary, no `.` or `$` after). */
  async function asNitroBuilt(dev: boolean) {
    const file = join(dir, `nitro-${dev}.ts`)
    writeFileSync(file, source.replace(/\bimport\.meta\.dev\b(?![.$])/g, String(dev)))
    return (await import(/* @vite-ignore */ file)) as typeof import('../src/nitro.js')
  }

  it('the production build reads as production; nuxt dev does not', async () => {
    expect(source).toMatch(/= import\.meta\.dev\n/)
    expect((await asNitroBuilt(false)).inNitroProductionBuild()).toBe(true)
    vi.stubGlobal('_importMeta_', { url: 'file:///app/.nuxt/dev/index.mjs', env: process.env })
    expect((await asNitroBuilt(true)).inNitroProductionBuild()).toBe(false)
  })
})
