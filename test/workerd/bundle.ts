// A Worker's single module, bundled from core's built `dist` as a Workers build resolves packages
// (workerd/worker/browser conditions, no `node`), for the tests that run it in Miniflare.
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { expect } from 'vitest'

/** The Worker's single module, as wrangler bundles it and hands it to workerd. */
export async function bundle(entry: string, external: string[] = []): Promise<string> {
  const source = entry.startsWith('./')
    ? { entryPoints: [fileURLToPath(new URL(entry, import.meta.url))] }
    : { stdin: { contents: entry, resolveDir: fileURLToPath(new URL('.', import.meta.url)) } }
  const result = await build({
    ...source,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser', 'import', 'default'],
    mainFields: ['browser', 'module', 'main'],
    external,
    metafile: true,
    logLevel: 'silent',
  })
  // What users get: core's built files, and its Web Crypto branch.
  const core = Object.keys(result.metafile.inputs).filter((input) => input.includes('packages/core/'))
  expect(core.length).toBeGreaterThan(0)
  expect(core.filter((input) => !input.includes('packages/core/dist/') || input.endsWith('crypto/node.js'))).toEqual([])
  return result.outputFiles[0]!.text
}
