// A throwaway redis-server for `pnpm demo:defer`: a free loopback port, nothing written to disk,
// killed with the demo.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'

export interface LocalRedis {
  url: string
  stop(): void
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/** Starts `redis-server` from PATH and resolves once it accepts connections. */
export async function startLocalRedis(): Promise<LocalRedis> {
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const stop = () => void child.kill('SIGKILL')
  // However the demo ends, the server goes with it.
  process.once('exit', stop)
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000)
    const fail = (error: Error) => {
      clearTimeout(timer)
      reject(error)
    }
    child.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ENOENT' ? new Error('redis-server is not installed: apt-get install redis-server (or brew install redis)') : error,
      ),
    )
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)))
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      if (!output.includes('Ready to accept connections')) return
      clearTimeout(timer)
      resolve()
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
  })
  return { url: `redis://127.0.0.1:${port}`, stop }
}
