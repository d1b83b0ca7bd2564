// Asks before a bulk action on the dead-letter queue; without a terminal it refuses unless --yes.
import { createInterface } from 'node:readline/promises'
import { CliError } from './output.js'

export async function confirm(question: string, options: { yes?: boolean | undefined }): Promise<boolean> {
  if (options.yes) return true
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new CliError('this bulk action needs confirmation, and there is no terminal to ask on', 'pass --yes to run it without asking')
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await prompt.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    prompt.close()
  }
}
