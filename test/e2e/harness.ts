// Builds an example, starts its built server on a free port, and stops it again.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort } from '../support/redis-server.js'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const exampleDir = (name: string) => fileURLToPath(new URL(`../../examples/${name}/`, import.meta.url))

/** The environment a user has on a fresh machine: none of the example's variables, no telemetry. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NUXT_TELEMETRY_DISABLED: '1', ...extra }
  for (const name of [
    'QSTASH_CURRENT_SIGNING_KEY',
    'QSTASH_NEXT_SIGNING_KEY',
    'WEBHOOK_PUBLIC_URL',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'REDIS_URL',
    'NODE_ENV',
    'PORT',
    'HOST',
    'NITRO_PORT',
    'NITRO_HOST',
  ]) {
    if (!(name in extra)) delete env[name]
  }
  return env
}

export { freePort }

/** Runs a command to completion; rejects with its output when it fails. Resolves with the seconds it took. */
export function run(command: string, args: string[], cwd: string, env = cleanEnv()): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000)
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code}:\n${output.slice(-4000)}`))
    })
  })
}

export interface RunningApp {
  /** `http://localhost:<port>` */
  origin: string
  /** Everything the server printed so far. */
  output(): string
  stop(): Promise<void>
}

/** Starts a built server with PORT set and waits until `GET /uploads` answers. */
export async function startApp(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<RunningApp> {
  const port = await freePort()
  // Own process group, so stop() also ends any child the server started.
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: cleanEnv({ PORT: String(port), ...extraEnv }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  // `localhost`: what a developer types, and the host `next start` puts in `request.url` (which
  // the QStash signature's URL is checked against).
  const origin = `http://localhost:${port}`
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      // the group is gone already
    }
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        // A wrapper (pnpm, sh) can exit before the server it started: leave nothing behind.
        signalGroup('SIGKILL')
        resolve()
      }
      if (child.exitCode !== null || child.signalCode !== null) return done()
      const timer = setTimeout(() => signalGroup('SIGKILL'), 5000)
      child.once('exit', () => {
        clearTimeout(timer)
        done()
      })
      signalGroup('SIGTERM')
    })

  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited ${child.exitCode} before answering:\n${output}`)
    try {
      const response = await fetch(`${origin}/uploads`)
      if (response.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${command} did not answer GET ${origin}/uploads within 60 s:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { origin, output: () => output, stop }
}
