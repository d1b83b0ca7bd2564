// Spawns reliability processes (server/main.ts, server/worker.ts) through tsx, workspace packages from source.
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AdapterName } from '../server/main.js'
import type { ServerStats } from '../server/options.js'
import { WEBHOOK_PATH } from './constants.js'

const here = dirname(fileURLToPath(import.meta.url))
const testDir = join(here, '..', '..')
const serverEntry = join(here, '..', 'server', 'main.ts')
/** Every child still alive, so a failed beforeAll cannot leave one behind. */
const alive = new Set<ChildProcess>()

export interface ServerProcessOptions {
  /** Framework in front of the router. Required. */
  adapter: AdapterName
  /** Written next to each effect this process produces. Required. */
  name: string
  /** `redis://127.0.0.1:<port>[/<db>]` for the dedupe store and the effects. Required. */
  redisUrl: string
  /** Share of handler calls that throw before their effect, 0–1. Default: 0. */
  faultRate?: number
  /** Router `dedupe.lockSeconds`. Default: the router's (30). */
  lockSeconds?: number
  /** Handlers wait a random 0..this many ms before their effect. Default: 0. */
  handlerDelayMs?: number
  /** Report each handler start (see `started`). Default: false. */
  reportStarts?: boolean
  /** After this many handler calls, further calls hang before their effect. Default: never. */
  hangAfter?: number
  /** BullMQ queue the router defers every handled type to (`defer: deferToBullMQ(queue)`). Default: none (handlers run inline). */
  deferQueue?: string
}

export interface ServerProcess {
  readonly name: string
  readonly adapter: AdapterName
  /** `http://127.0.0.1:<port>/api/webhooks` */
  readonly url: string
  readonly child: ChildProcess
  /** File ids whose handler started here, in order (only with `reportStarts`). */
  readonly started: string[]
  /** Resolves once `count` handlers have started here (only with `reportStarts`). */
  startsReached(count: number): Promise<void>
  /** SIGTERM; resolves with the process's counters. */
  stop(): Promise<ServerStats>
  /** SIGKILL: no goodbye, no counters. */
  kill(): Promise<void>
}

/** A child of this suite: its stdout lines, its exit, and the tail of its stderr for error messages. */
export interface Child {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  /** The rest of the first `<word> …` line once it is printed, or a rejection naming the child if it exits or takes 20 s. */
  line(word: string): Promise<string>
  stderr(): string
  /** SIGKILL: no goodbye. */
  kill(): Promise<void>
}

/** Spawns `entry` through tsx with the workspace source condition; `onLine` sees every stdout line. */
export function spawnChild(
  entry: string,
  args: string[],
  env: Record<string, string>,
  label: string,
  onLine: (line: string) => void,
): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@upload-webhooks/source', entry, ...args], {
    cwd: testDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test', ...env },
  })
  alive.add(child)
  child.once('exit', () => alive.delete(child))
  const waiters = new Map<string, (rest: string) => void>()
  let stderr = ''
  let buffered = ''
  child.stderr!.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8')
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      const space = line.indexOf(' ')
      const word = space < 0 ? line : line.slice(0, space)
      waiters.get(word)?.(space < 0 ? '' : line.slice(space + 1))
      waiters.delete(word)
      onLine(line)
    }
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    exited,
    stderr: () => stderr,
    line: (word) =>
      Promise.race([
        new Promise<string>((resolve) => waiters.set(word, resolve)),
        exited.then((code) => {
          throw new Error(`${label} exited (${code}) before it printed "${word}":\n${stderr}`)
        }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${label} printed no "${word}" in 20 s:\n${stderr}`)), 20_000)),
      ]),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

/** SIGTERM, then the child's `stats <json>` line. */
export async function stopChild<T>(spawned: Child, label: string): Promise<T> {
  const { child } = spawned
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${label} already exited:\n${spawned.stderr()}`)
  const stats = spawned.line('stats')
  child.kill('SIGTERM')
  const line = await Promise.race([
    stats,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${label} gave no stats`)), 5000)),
  ])
  await spawned.exited
  return JSON.parse(line) as T
}

export async function startServer(options: ServerProcessOptions): Promise<ServerProcess> {
  const label = `${options.adapter} server ${options.name}`
  const started: string[] = []
  const startWaiters: { count: number; resolve: () => void }[] = []
  const onLine = (line: string) => {
    if (!line.startsWith('start ')) return
    started.push(line.slice(6))
    for (const waiter of startWaiters.filter((w) => started.length >= w.count)) {
      startWaiters.splice(startWaiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  const spawned = spawnChild(
    serverEntry,
    [options.adapter],
    {
      RELIABILITY_NAME: options.name,
      RELIABILITY_REDIS_URL: options.redisUrl,
      RELIABILITY_FAULT_RATE: String(options.faultRate ?? 0),
      RELIABILITY_LOCK_SECONDS: options.lockSeconds ? String(options.lockSeconds) : '',
      RELIABILITY_HANDLER_DELAY_MS: String(options.handlerDelayMs ?? 0),
      RELIABILITY_REPORT_STARTS: options.reportStarts ? '1' : '0',
      RELIABILITY_HANG_AFTER: options.hangAfter === undefined ? '' : String(options.hangAfter),
      RELIABILITY_DEFER_QUEUE: options.deferQueue ?? '',
    },
    label,
    onLine,
  )
  const port = Number(await spawned.line('ready'))

  return {
    name: options.name,
    adapter: options.adapter,
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    child: spawned.child,
    started,
    startsReached: (count) =>
      started.length >= count ? Promise.resolve() : new Promise((resolve) => startWaiters.push({ count, resolve })),
    stop: () => stopChild<ServerStats>(spawned, options.name),
    kill: () => spawned.kill(),
  }
}

/** SIGKILLs every server process this worker started that is still running (for afterAll). */
export async function killAllServers() {
  await Promise.all(
    [...alive].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve())
          child.kill('SIGKILL')
        }),
    ),
  )
}
