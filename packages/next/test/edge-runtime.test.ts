/// <reference path="./edge-runtime.d.ts" />
// The App Router handler inside Next's own Edge runtime sandbox (no process, no Buffer, no
// require), bundled the way an Edge bundle resolves packages: edge conditions, no `node`.
import { fileURLToPath } from 'node:url'
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import { build } from 'esbuild'
import { EdgeRuntime } from 'next/dist/compiled/edge-runtime'
import { beforeAll, describe, expect, it } from 'vitest'

const url = 'https://app.example.com/api/webhooks/upload'
let runtime: EdgeRuntime

beforeAll(async () => {
  const entry = `
    import { qstash } from '@upload-webhooks/core'
    import { uploadWebhooks } from '@upload-webhooks/next'
    const seen = []
    globalThis.__seen = seen
    globalThis.__POST = uploadWebhooks({
      verify: qstash(${JSON.stringify({ ...devSigningKeys })}),
      handlers: { onUploadComplete: (event) => { seen.push(event.file.id) } },
      logger: { warn() {}, error() {} },
    })`
  const bundle = await build({
    stdin: { contents: entry, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['@upload-webhooks/source', 'edge-light', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  })
  runtime = new EdgeRuntime()
  runtime.evaluate(bundle.outputFiles[0]!.text)
}, 30_000)

/** Builds the Request inside the sandbox (its own realm), calls POST, returns what came back. */
async function post(body: string, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
  const answer = runtime.evaluate(`(async () => {
    const res = await globalThis.__POST(new Request(${JSON.stringify(url)}, { method: 'POST', headers: ${JSON.stringify(headers)}, body: ${JSON.stringify(body)} }))
    return JSON.stringify({ status: res.status, json: await res.json() })
  })()`) as Promise<string>
  return JSON.parse(await answer)
}

describe('App Router handler in the Edge runtime', () => {
  it('has no Node globals to lean on', () => {
    expect(runtime.evaluate('typeof process + typeof Buffer + typeof require')).toBe('undefinedundefinedundefined')
  })

  it('verifies, processes and dedupes a QStash delivery', async () => {
    const body = JSON.stringify({ event: 'onUploadComplete', file: { id: 'file_edge', key: 'uploads/e.jpg' } })
    const headers = { 'content-type': 'application/json', ...(await signQStash({ body, url, messageId: 'msg_edge' })) }
    expect(await post(body, headers)).toEqual({ status: 200, json: { status: 'processed', deliveryId: 'msg_edge' } })
    expect(await post(body, headers)).toEqual({ status: 200, json: { status: 'duplicate', deliveryId: 'msg_edge' } })
    expect(runtime.evaluate('globalThis.__seen')).toEqual(['file_edge'])
    expect((await post(body.replace('file_edge', 'file_evil'), headers)).status).toBe(401)
  })
})
