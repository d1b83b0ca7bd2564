import { spawn } from 'node:child_process'

export interface Finished {
  /** Exit code, or null when a signal ended it. */
  code: number | null
  /** stdout and stderr, interleaved. */
  output: string
}

/** Runs a command to its end and resolves with its exit code and output, whatever the code. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, output }))
  })
}
