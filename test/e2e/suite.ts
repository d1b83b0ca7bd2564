// One end-to-end suite, run against each example's built server as `pnpm start` runs it (in
// production, with real-looking keys and its public URL): signed deliveries in, answers and
// GET /uploads out; and without those variables it must refuse to start.
import { readFileSync } from 'node:fs'
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleDir, type RunningApp, run, startApp, startRefused } from './harness.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const uploadBody = fixture('uploadkit-onUploadComplete.json')
const failureBody = fixture('qstash-failure-callback.json')
const WEBHOOK_PATH = '/api/webhooks/upload'

/** Stand-ins for the real QStash keys production requires (any value but the published dev keys). */
export const e2eKeys = { QSTASH_CURRENT_SIGNING_KEY: 'sig_e2e_current_key', QSTASH_NEXT_SIGNING_KEY: 'sig_e2e_next_key' }
/** What production needs: real keys, and the public URL, here the server's own. */
const productionEnv = (origin: string) => ({ ...e2eKeys, WEBHOOK_PUBLIC_URL: `${origin}${WEBHOOK_PATH}` })

export interface ExampleCommands {
  /** Build command, run in the example's folder. */
  build: [string, ...string[]]
  /** Command that serves the built app on `PORT` in production (`pnpm run start`). */
  start: [string, ...string[]]
  /** Type check (TypeScript 7 `tsc`: Next's and Nuxt's own checks need the JS API it lacks). */
  typecheck: [string, ...string[]]
  /** Other ways the framework documents to start the production build, run without NODE_ENV like the rest. */
  productionStarts?: [string, ...string[]][]
  /** The home page renders the received list too (server-rendered from another bundle than the webhook route). */
  homePageListsUploads?: boolean
}

export function exampleSuite(name: string, commands: ExampleCommands) {
  describe(`examples/${name}, built and started as a user would`, () => {
    const cwd = exampleDir(name)
    let app: RunningApp
    let endpoint: string

    beforeAll(async () => {
      const buildSeconds = await run(commands.build[0], commands.build.slice(1), cwd)
      const started = performance.now()
      app = await startApp(commands.start[0], commands.start.slice(1), cwd, productionEnv)
      endpoint = `${app.origin}${WEBHOOK_PATH}`
      console.log(`[e2e] ${name}: build ${buildSeconds.toFixed(1)} s, start ${((performance.now() - started) / 1000).toFixed(1)} s`)
    })
    afterAll(async () => {
      await app?.stop()
    })

    async function deliver(body: string, options: { messageId: string; retried?: number; signingKey?: string; url?: string }) {
      const signed = await signQStash({
        body,
        url: options.url ?? endpoint,
        messageId: options.messageId,
        retried: options.retried ?? 0,
        signingKey: options.signingKey ?? e2eKeys.QSTASH_CURRENT_SIGNING_KEY,
      })
      const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body })
      return { status: response.status, body: (await response.json()) as { status: string; reason?: string; deliveryId?: string } }
    }
    const received = async () => (await (await fetch(`${app.origin}/uploads`)).json()) as { uploads: any[]; failures: any[] }

    it('type-checks with tsc', async () => {
      await run(commands.typecheck[0], commands.typecheck.slice(1), cwd)
    })

    it('says at startup that it runs on the keys from the environment and checks its public URL', () => {
      expect(app.output()).toContain('signing keys: QSTASH_CURRENT_SIGNING_KEY / QSTASH_NEXT_SIGNING_KEY from the environment')
      expect(app.output()).toContain(`signatures must name this URL: ${endpoint}`)
      expect(app.output()).not.toContain('public DEV keys')
    })

    it('refuses to start in production without real keys: exits non-zero naming QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY and WEBHOOK_PUBLIC_URL', async () => {
      const refused = await startRefused(commands.start[0], commands.start.slice(1), cwd)
      expect(refused.exitCode).toBeGreaterThan(0)
      expect(refused.output).toContain('QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY, WEBHOOK_PUBLIC_URL are not set')
      expect(refused.output).toContain('the dev keys used without them are public')
      // Next prints "Ready" before it loads the app's code: the documented start refuses before that line.
      expect(refused.output).not.toMatch(/\bReady\b/)
    })

    // `nuxt build` ends with "You can preview this build using node .output/server/index.mjs": no NODE_ENV.
    const starts = [commands.start, ...(commands.productionStarts ?? [])]
    for (const start of starts.slice(1)) {
      it(`\`${start.join(' ')}\` without NODE_ENV or keys refuses to start too, naming the variables`, async () => {
        const refused = await startRefused(start[0], start.slice(1), cwd)
        expect(refused.exitCode).toBeGreaterThan(0)
        expect(refused.output).toContain('QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY, WEBHOOK_PUBLIC_URL are not set')
      })
    }
    it.each(starts.map((start) => [start.join(' '), start] as const))(
      '`%s` with the published dev keys set as its keys refuses to start, so no dev-signed delivery is answered',
      async (_name, start) => {
        const devKeysAsReal = (origin: string) => ({
          QSTASH_CURRENT_SIGNING_KEY: devSigningKeys.currentSigningKey,
          QSTASH_NEXT_SIGNING_KEY: devSigningKeys.nextSigningKey,
          WEBHOOK_PUBLIC_URL: `${origin}${WEBHOOK_PATH}`,
        })
        const refused = await startRefused(start[0], start.slice(1), cwd, devKeysAsReal)
        expect(refused.exitCode).toBeGreaterThan(0)
        expect(refused.output).toMatch(/QSTASH_CURRENT_SIGNING_KEY.*QSTASH_NEXT_SIGNING_KEY.*published development key/)
      },
    )

    it('starts with nothing received', async () => {
      expect(await received()).toEqual({ uploads: [], failures: [] })
    })

    it('processes a signed onUploadComplete, then answers duplicate to the same message', async () => {
      expect(await deliver(uploadBody, { messageId: 'msg_e2e_valid' })).toEqual({
        status: 200,
        body: { status: 'processed', deliveryId: 'msg_e2e_valid' },
      })
      expect(await deliver(uploadBody, { messageId: 'msg_e2e_valid', retried: 1 })).toEqual({
        status: 200,
        body: { status: 'duplicate', deliveryId: 'msg_e2e_valid' },
      })
    })

    it("uses core's in-memory store, and core says so once the webhook route is made", () => {
      expect(app.output()).toContain('dedupe store: in memory')
    })

    it('refuses a delivery signed with another key (401) and runs no handler', async () => {
      const answer = await deliver(uploadBody, { messageId: 'msg_e2e_forged', signingKey: 'sig_not_the_right_key' })
      expect(answer).toEqual({ status: 401, body: expect.objectContaining({ status: 'rejected', reason: 'invalid_signature' }) })
    })

    it('a delivery signed with the published dev key is refused (401) in production', async () => {
      const answer = await deliver(uploadBody, { messageId: 'msg_e2e_dev_key', signingKey: devSigningKeys.currentSigningKey })
      expect(answer).toEqual({ status: 401, body: expect.objectContaining({ status: 'rejected', reason: 'invalid_signature' }) })
    })

    it('refuses a delivery QStash signed for another URL of the account (401 wrong_url)', async () => {
      const answer = await deliver(uploadBody, { messageId: 'msg_e2e_staging', url: `https://staging.example.com${WEBHOOK_PATH}` })
      expect(answer).toEqual({ status: 401, body: expect.objectContaining({ status: 'rejected', reason: 'wrong_url' }) })
    })

    it('answers 200 ignored to an event type it has no handler for', async () => {
      const answer = await deliver(JSON.stringify({ event: 'onUploadDeleted', file: { id: 'file_abc123' } }), {
        messageId: 'msg_e2e_unknown',
      })
      expect(answer).toEqual({ status: 200, body: { status: 'ignored', deliveryId: 'msg_e2e_unknown' } })
    })

    it('answers another method 405 with a JSON body and Allow: POST', async () => {
      const response = await fetch(endpoint, { method: 'GET' })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
      expect(await response.json()).toMatchObject({ status: 'rejected', reason: 'method_not_allowed' })
    })

    it('answers 413 to a body over 1 MiB', async () => {
      const oversized = JSON.stringify({ event: 'onUploadComplete', padding: 'x'.repeat(1024 * 1024 + 1) })
      const answer = await deliver(oversized, { messageId: 'msg_e2e_oversized' })
      expect(answer).toEqual({ status: 413, body: expect.objectContaining({ reason: 'payload_too_large' }) })
    })

    it('records a QStash failure callback with its second handler', async () => {
      expect(await deliver(failureBody, { messageId: 'msg_e2e_failure' })).toEqual({
        status: 200,
        body: { status: 'processed', deliveryId: 'msg_e2e_failure' },
      })
    })

    it('shows at GET /uploads exactly what the handlers wrote: one upload, one failure', async () => {
      const state = await received()
      expect(state.uploads).toEqual([
        expect.objectContaining({
          deliveryId: 'msg_e2e_valid',
          attempt: 0,
          sender: 'qstash',
          file: expect.objectContaining({ id: 'file_abc123', name: 'photo.jpg', size: 1048576, contentType: 'image/jpeg' }),
          metadata: { userId: 'user_123', category: 'avatar' },
        }),
      ])
      expect(state.failures).toEqual([
        expect.objectContaining({
          deliveryId: 'msg_e2e_failure',
          sourceMessageId: expect.stringMatching(/^msg_/),
          status: 500,
          dlqId: '1725323658779-0',
        }),
      ])
    })

    // Registered only where it applies, so no run reports a skipped test.
    if (commands.homePageListsUploads) {
      it('renders the same list on its home page', async () => {
        const response = await fetch(`${app.origin}/`)
        expect(response.status).toBe(200)
        const html = await response.text()
        expect(html).toContain('msg_e2e_valid')
        expect(html).toContain('photo.jpg')
      })
    }
  })
}
