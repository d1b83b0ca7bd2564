// Wraps each command's action: its returned number is the exit code, a thrown error is printed with its fix.
import { type Command, InvalidArgumentError } from 'commander'
import { CliError, painter, printJson } from './output.js'

export type ActionResult = number

function report(error: unknown, json: boolean): void {
  const message = error instanceof Error ? error.message : String(error)
  const fix = error instanceof CliError ? error.fix : undefined
  if (json) {
    printJson({ ok: false, error: { message, ...(fix ? { fix } : {}) } })
    return
  }
  const paint = painter(process.stderr)
  process.stderr.write(`${paint('red', 'error:')} ${message}\n`)
  if (fix) process.stderr.write(`${paint('cyan', 'fix:')}   ${fix}\n`)
  if (!(error instanceof CliError) && error instanceof Error && process.env.UPLOAD_WEBHOOKS_DEBUG) process.stderr.write(`${error.stack}\n`)
}

/** Commander calls actions with the arguments, the options, then the command itself. */
export function action<Args extends unknown[]>(run: (...args: Args) => Promise<ActionResult>) {
  return async (...args: Args) => {
    const command = args[args.length - 1] as Command
    try {
      process.exitCode = await run(...args)
    } catch (error) {
      report(error, command.opts()['json'] === true)
      process.exitCode = 1
    }
  }
}

/** Commander option parser for a whole number of at least `min`. */
export function integer(min: number) {
  return (value: string): number => {
    const parsed = Number(value)
    if (!Number.isInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`expected a whole number of at least ${min}.`)
    }
    return parsed
  }
}

/** A URL the CLI may post to: absolute http(s). */
export function httpUrl(value: string, what: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new CliError(`${what} is not a URL: "${value}"`, 'pass an absolute URL, e.g. http://localhost:3000/api/webhooks/upload')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(
      `${what} must be http:// or https://, got ${url.protocol}`,
      'pass an absolute URL, e.g. http://localhost:3000/api/webhooks/upload',
    )
  }
  return url
}
