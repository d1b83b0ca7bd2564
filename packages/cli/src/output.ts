// Terminal output: colours only where a person reads them, plain aligned tables, JSON for scripts.

/** An expected failure: printed as `error: <message>` and `fix: <fix>`, exit code 1, no stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError'
  constructor(
    message: string,
    /** What the user should do about it. */
    readonly fix?: string,
  ) {
    super(message)
  }
}

type Stream = { isTTY?: boolean }

/** NO_COLOR (any value) turns colour off, FORCE_COLOR (not "0") on; otherwise only on a terminal. */
export function colourEnabled(stream: Stream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0'
  return stream.isTTY === true && env.TERM !== 'dumb'
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90, bold: 1, dim: 2 } as const
export type Colour = keyof typeof codes
export type Paint = (colour: Colour, text: string) => string

export function painter(stream: Stream): Paint {
  if (!colourEnabled(stream)) return (_colour, text) => text
  return (colour, text) => `\u001b[${codes[colour]}m${text}\u001b[0m`
}

/** Colour by HTTP status: 2xx green, 4xx yellow, everything else red. */
export function statusColour(status: number | undefined): Colour {
  if (status === undefined) return 'red'
  if (status >= 200 && status < 300) return 'green'
  if (status >= 400 && status < 500) return 'yellow'
  return 'red'
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what it strips
const ansi = /\u001b\[[0-9;]*m/g
const visibleLength = (text: string) => text.replace(ansi, '').length

/** Columns padded to their widest cell (colour codes excluded), a rule under the header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], paint: Paint): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => visibleLength(row[column] ?? ''))))
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - visibleLength(cell))))
      .join('  ')
      .trimEnd()
  return [paint('bold', line(header)), paint('grey', line(widths.map((width) => '─'.repeat(width)))), ...rows.map((row) => line(row))].join(
    '\n',
  )
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Notes for people (dev keys in use, progress) go to stderr, so stdout stays the command's answer. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`)
}
