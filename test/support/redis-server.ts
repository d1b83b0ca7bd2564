// Starts and stops a real redis-server on a free loopback port, for tests.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'

/** Path of the redis-server binary, or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  const path = found.stdout.trim()
  return found.status === 0 && path ? path : undefined
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface RunningRedis {
  url: string
  port: number
  process: ChildProcess
  stop(): Promise<void>
}

/**
 * Starts redis-server (no persistence) on `port` (default: a free one) and waits until it answers.
 * `extraArgs` come last and so override the defaults (e.g. `--dir <tmp> --appendonly yes` for a
 * server whose data must survive a restart). Default: none.
 */
export async function startRedis(binary: string, port?: number, extraArgs: readonly string[] = []): Promise<RunningRedis> {
  const usePort = port ?? (await freePort())
  const child = spawn(
    binary,
    ['--port', String(usePort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const started = Date.now()
  while (!output.includes('Ready to accept connections')) {
    if (child.exitCode !== null) throw new Error(`redis-server exited early:\n${output}`)
    if (Date.now() - started > 10_000) {
      child.kill('SIGKILL')
      throw new Error(`redis-server did not start within 10 s:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  // A test run stopped by a signal or a crash must not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  child.once('exit', () => process.removeListener('exit', killOnExit))
  return {
    url: `redis://127.0.0.1:${usePort}`,
    port: usePort,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        // A killed process has a signalCode and no exitCode: both mean it is gone (stop() twice must not hang).
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  }
}
