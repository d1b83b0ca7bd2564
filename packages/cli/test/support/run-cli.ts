// Runs the built CLI as a real child process, the way a user's shell does (no terminal: stdin closed).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url))

/** Variables the CLI reads; removed so the developer's own shell cannot change a test's outcome. */
const cliVariables = [
  'QSTASH_CURRENT_SIGNING_KEY',
  'QSTASH_NEXT_SIGNING_KEY',
  'SONUSLAB_WEBHOOK_SECRET',
  'UPLOADCARE_WEBHOOK_SECRET',
  'WEBHOOK_SECRET',
  'CLOUDINARY_API_SECRET',
  'QSTASH_TOKEN',
  'QSTASH_URL',
  'QSTASH_URL_GROUP',
  'QSTASH_DEV',
  'QSTASH_REGION',
  'REDIS_URL',
  'FORCE_COLOR',
  'NO_COLOR',
]

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON (for --json runs). */
  json<T = any>(): T
}

/** Asynchronous on purpose: the servers under test live in this process and must keep answering. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env }
  for (const name of cliVariables) delete childEnv[name]
  Object.assign(childEnv, { NO_COLOR: '1' }, env)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.once('error', reject)
    child.once('close', (code) =>
      resolve({
        code,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout)
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`)
          }
        },
      }),
    )
  })
}

/** util-linux `script`, which runs a command on a pseudo-terminal; undefined where it is missing. */
export const scriptBinary = ['/usr/bin/script', '/bin/script'].find((path) => existsSync(path))

/** Runs the CLI on a pseudo-terminal (so it may prompt), typing `input`; stdout and stderr arrive merged. */
export function runCliInTerminal(args: readonly string[], input: string, env: Record<string, string> = {}): Promise<CliRun> {
  if (!scriptBinary) throw new Error('util-linux script is not installed')
  const childEnv: NodeJS.ProcessEnv = { ...process.env }
  for (const name of cliVariables) delete childEnv[name]
  Object.assign(childEnv, { NO_COLOR: '1' }, env)
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`
  const command = [process.execPath, main, ...args].map(quote).join(' ')
  return new Promise((resolve, reject) => {
    // -e: exit with the command's code; /dev/null: keep no typescript file.
    const child = spawn(scriptBinary, ['-qec', command, '/dev/null'], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stdout += chunk))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr: '', json: () => JSON.parse(stdout) }))
    child.stdin.end(input)
  })
}
