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
  /** Resolves once the server has printed `text`; rejects if it exits first. */
  printed(text: string): Promise<void>
  stop(): Promise<void>
}

/** Extra variables, or a function of the origin the server will answer on (for WEBHOOK_PUBLIC_URL). */
export type AppEnv = Record<string, string> | ((origin: string) => Record<string, string>)

interface SpawnedApp extends RunningApp {
  child: ChildProcess
  describe: string
  /** Settles once the process exited and its output pipes closed (all of its output read). */
  closed: Promise<void>
}

/** Spawns a server in a clean environment with PORT set to a free port. */
async function spawnApp(command: string, args: string[], cwd: string, extraEnv: AppEnv): Promise<SpawnedApp> {
  const port = await freePort()
  // `localhost`: what a developer types, and the host `next start` puts in `request.url`.
  const origin = `http://localhost:${port}`
  const extra = typeof extraEnv === 'function' ? extraEnv(origin) : extraEnv
  // Own process group, so stop() also ends any child the server started.
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: cleanEnv({ PORT: String(port), ...extra }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!output.includes(text)) return
        child.stdout!.off('data', check)
        child.stderr!.off('data', check)
        resolve()
      }
      child.stdout!.on('data', check)
      child.stderr!.on('data', check)
      void closed.then(() => reject(new Error(`exited without printing ${JSON.stringify(text)}:\n${output}`)))
      check()
    })
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
  return { child, origin, output: () => output, printed, stop, closed, describe: `${command} ${args.join(' ')}` }
}

/** Waits until the app answers `GET /uploads` ('serving') or exits first ('exited'); 60 s at most. */
async function serveOrExit(app: SpawnedApp): Promise<'serving' | 'exited'> {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) return 'exited'
    try {
      const response = await fetch(`${app.origin}/uploads`)
      if (response.ok) return 'serving'
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await app.stop()
      throw new Error(`${app.describe} neither answered GET ${app.origin}/uploads nor exited within 60 s:\n${app.output()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Starts a built server with PORT set (and `extraEnv`) and waits until `GET /uploads` answers. */
export async function startApp(command: string, args: string[], cwd: string, extraEnv: AppEnv = {}): Promise<RunningApp> {
  const app = await spawnApp(command, args, cwd, extraEnv)
  if ((await serveOrExit(app)) === 'exited') {
    throw new Error(`${app.describe} exited ${app.child.exitCode ?? app.child.signalCode} before answering:\n${app.output()}`)
  }
  return { origin: app.origin, output: app.output, printed: app.printed, stop: app.stop }
}

/** Starts a process that serves no HTTP (a worker) and waits until it has printed `ready`; rejects if it exits first. */
export async function startPrinting(
  command: string,
  args: string[],
  cwd: string,
  ready: string,
  extraEnv: AppEnv = {},
): Promise<RunningApp> {
  const app = await spawnApp(command, args, cwd, extraEnv)
  try {
    await app.printed(ready)
  } catch (error) {
    await app.stop()
    throw error
  }
  return { origin: app.origin, output: app.output, printed: app.printed, stop: app.stop }
}

/** Starts a server that must refuse to start; resolves with how it exited. Rejects (after stopping it) if it serves. */
export async function startRefused(command: string, args: string[], cwd: string, extraEnv: AppEnv = {}) {
  const app = await spawnApp(command, args, cwd, extraEnv)
  if ((await serveOrExit(app)) === 'serving') {
    await app.stop()
    throw new Error(`${app.describe} answered GET /uploads although it should have refused to start:\n${app.output()}`)
  }
  await app.stop()
  await app.closed
  return { exitCode: app.child.exitCode, signal: app.child.signalCode, output: app.output() }
}
