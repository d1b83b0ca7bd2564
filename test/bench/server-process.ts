// A benchmark server in a child process (server.ts, servers/inside.ts): on 2 cores the load generator and the
// server then each get one, and a server's GC never pauses the load generator. It answers the
// parent's questions (its CPU time, its memory) over IPC.
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Framework } from './frameworks.js'
import type { Variant } from './servers/variant.js'

/** The server process's memory, bytes; `heapUsed` right after a full GC when it runs with `--expose-gc`. */
export interface MemorySample {
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
}

export interface RunningServer {
  port: number
  child: ChildProcess
  /** CPU time the server process has used so far, µs. */
  cpuMicros(): Promise<number>
  memory(): Promise<MemorySample>
  /** Spans the server's no-op exporter received (OpenTelemetry provider mode). */
  spans(): Promise<number>
  /** Starts the server's CPU profiler (`--profile`): profiles cover measured load only, not start-up. */
  startProfile(): Promise<void>
  /** Stops it and writes the profile to `path`. */
  stopProfile(path: string): Promise<void>
  stop(): Promise<void>
}

export interface ServerProcessOptions {
  redisUrl: string | undefined
  /** Extra node flags (the soak runs with `--expose-gc`). */
  nodeFlags?: string[]
  /** Extra environment (the soak's `BENCH_MEMORY_MAX_ENTRIES`, the OpenTelemetry part's `BENCH_OTEL`). */
  env?: Record<string, string>
}

/** A benchmark server in a child process, as far as the parent talks to it. */
export interface ForkedServer {
  child: ChildProcess
  /** The ports it announced when it started listening, by name. */
  ports: Record<string, number>
  /** One question at a time: the answer is the next message. */
  ask<T>(question: string): Promise<T>
  /** Asks it to exit ("stop"); killed if it has not within 5 s. */
  stop(): Promise<void>
}

/**
 * Forks `script` (a compiled server next to this file) and waits for its `{ ports }` message,
 * which must name every one of `expected`. `name` is for the error when it exits or says
 * anything else first.
 */
export function forkServer(
  script: string,
  args: string[],
  expected: readonly string[],
  options: { name: string; env?: Record<string, string>; nodeFlags?: string[]; wrapper?: readonly string[] },
): Promise<ForkedServer> {
  // A wrapper (valgrind) runs node itself: its arguments, then node and node's flags.
  const [wrapper, ...wrapperArgs] = options.wrapper ?? []
  const nodeFlags = options.nodeFlags ?? []
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    env: { ...process.env, ...options.env, NODE_ENV: 'development' },
    ...(wrapper ? { execPath: wrapper, execArgv: [...wrapperArgs, process.execPath, ...nodeFlags] } : { execArgv: nodeFlags }),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= new Promise<void>((done) => {
      if (child.exitCode !== null) return done()
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => {
        clearTimeout(timer)
        done()
      })
      child.send('stop')
    }))
  const ask = <T>(question: string) =>
    new Promise<T>((answer) => {
      child.once('message', (reply) => answer(reply as T))
      child.send(question)
    })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench: the ${options.name} server exited (${code}) before listening`)))
    child.once('message', (message) => {
      const ports = (message as { ports?: Record<string, number> }).ports
      if (!ports || !expected.every((port) => typeof ports[port] === 'number')) {
        void stop()
        return reject(new Error(`bench: unexpected message from the ${options.name} server`))
      }
      child.removeAllListeners('exit')
      resolve({ child, ports, ask, stop })
    })
  })
}

/** One child process serving `variants` of `framework`, one port each. */
export async function startServers(
  framework: Framework,
  variants: readonly Variant[],
  options: ServerProcessOptions,
): Promise<Map<Variant, RunningServer>> {
  const { child, ports, ask, stop } = await forkServer('./server.js', [framework, variants.join(',')], variants, {
    name: `${framework}/${variants.join('+')}`,
    env: { ...options.env, ...(options.redisUrl ? { BENCH_REDIS_URL: options.redisUrl } : {}) },
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
  })
  const cpuMicros = async () => (await ask<{ cpuMicros: number }>('cpu')).cpuMicros
  const memory = async () => (await ask<{ memory: MemorySample }>('memory')).memory
  const spans = async () => (await ask<{ spans: number }>('spans')).spans
  const startProfile = async () => void (await ask('profile-start'))
  const stopProfile = async (path: string) => void (await ask(JSON.stringify({ profileTo: path })))
  return new Map(variants.map((v) => [v, { port: ports[v]!, child, cpuMicros, memory, spans, startProfile, stopProfile, stop }]))
}
