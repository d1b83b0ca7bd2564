import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

// What Pulumi's dynamic provider host (@pulumi/pulumi/cmd/dynamic-provider) does with a
// resource's `__provider` text, in a child process of its own: load it with require-from-string,
// call `.handler()`, call the provider's methods, and report a failure as `e.message` only
// (grpcResponseFromError). Requests and answers travel as JSON lines over stdin/stdout.
const HOST_SCRIPT = `
const requireFromString = require(process.env.REQUIRE_FROM_STRING)
const text = require('node:fs').readFileSync(process.env.PROVIDER_FILE, 'utf8')
const provider = requireFromString(text).handler()
require('node:readline').createInterface({ input: process.stdin }).on('line', async (line) => {
  const { id, method, args } = JSON.parse(line)
  let answer
  try {
    const result = await provider[method](...args)
    answer = { id, ok: true, result: result === undefined ? null : result }
  } catch (e) {
    answer = { id, ok: false, message: e.message }
  }
  process.stdout.write(JSON.stringify(answer) + '\\n')
})
`

const infraDir = fileURLToPath(new URL('../..', import.meta.url))
const pulumiRequire = createRequire(createRequire(import.meta.url).resolve('@pulumi/pulumi'))

export interface HostedProvider {
  /** Calls a provider method in the host; rejects with an Error carrying exactly the host's `e.message`. */
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>
  close(): void
}

/** Starts a provider host process for serialised provider text. */
export function hostProvider(text: string): HostedProvider {
  const dir = mkdtempSync(join(tmpdir(), 'provider-host-'))
  const file = join(dir, 'provider.js')
  writeFileSync(file, text)
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-e', HOST_SCRIPT], {
    cwd: infraDir,
    env: { ...process.env, REQUIRE_FROM_STRING: pulumiRequire.resolve('require-from-string'), PROVIDER_FILE: file },
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  createInterface({ input: child.stdout }).on('line', (line) => {
    const answer = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; message?: string }
    const waiter = pending.get(answer.id)
    pending.delete(answer.id)
    if (answer.ok) waiter?.resolve(answer.result)
    else waiter?.reject(new Error(answer.message))
  })
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`provider host exited with ${code}: ${stderr}`))
    pending.clear()
  })
  let nextId = 0
  return {
    call<T>(method: string, ...args: unknown[]) {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        child.stdin.write(`${JSON.stringify({ id, method, args })}\n`)
      })
    },
    close() {
      child.kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
