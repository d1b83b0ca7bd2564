// Spawns reliability server processes (server/main.ts through tsx, workspace packages from source).
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AdapterName } from '../server/main.js'
import type { ServerStats } from '../server/options.js'
import { WEBHOOK_PATH } from './constants.js'

const here = dirname(fileURLToPath(import.meta.url))
const testDir = join(here, '..', '..')
const entry = join(here, '..', 'server', 'main.ts')
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

export async function startServer(options: ServerProcessOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@upload-webhooks/source', entry, options.adapter], {
    cwd: testDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      RELIABILITY_NAME: options.name,
      RELIABILITY_REDIS_URL: options.redisUrl,
      RELIABILITY_FAULT_RATE: String(options.faultRate ?? 0),
      RELIABILITY_LOCK_SECONDS: options.lockSeconds ? String(options.lockSeconds) : '',
      RELIABILITY_HANDLER_DELAY_MS: String(options.handlerDelayMs ?? 0),
      RELIABILITY_REPORT_STARTS: options.reportStarts ? '1' : '0',
      RELIABILITY_HANG_AFTER: options.hangAfter === undefined ? '' : String(options.hangAfter),
    },
  })
  alive.add(child)
  child.once('exit', () => alive.delete(child))
  const started: string[] = []
  const startWaiters: { count: number; resolve: () => void }[] = []
  let statsLine: ((stats: ServerStats) => void) | undefined
  let stderr = ''
  let buffered = ''
  let onReady: ((port: number) => void) | undefined
  const ready = new Promise<number>((resolve) => (onReady = resolve))

  child.stderr!.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8')
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      if (line.startsWith('start ')) {
        const id = line.slice(6)
        started.push(id)
        for (const waiter of startWaiters.filter((w) => started.length >= w.count)) {
          startWaiters.splice(startWaiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      } else if (line.startsWith('ready ')) onReady?.(Number(line.slice(6)))
      else if (line.startsWith('stats ')) statsLine?.(JSON.parse(line.slice(6)) as ServerStats)
    }
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const port = await Promise.race([
    ready,
    exited.then((code) => {
      throw new Error(`${options.adapter} server ${options.name} exited (${code}) before it was ready:\n${stderr}`)
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${options.adapter} server ${options.name} not ready after 20 s:\n${stderr}`)), 20_000),
    ),
  ])

  return {
    name: options.name,
    adapter: options.adapter,
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    child,
    started,
    startsReached: (count) =>
      started.length >= count ? Promise.resolve() : new Promise((resolve) => startWaiters.push({ count, resolve })),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${options.name} already exited:\n${stderr}`)
      const stats = new Promise<ServerStats>((resolve) => (statsLine = resolve))
      child.kill('SIGTERM')
      const result = await Promise.race([
        stats,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${options.name} gave no stats`)), 5000)),
      ])
      await exited
      return result
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
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
