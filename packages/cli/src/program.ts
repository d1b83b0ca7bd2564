// The command tree. Each command lives in its own file under commands/.
import { readFileSync } from 'node:fs'
import { Command } from 'commander'
import { registerDlq } from './commands/dlq.js'
import { registerDoctor } from './commands/doctor.js'
import { registerKeys } from './commands/keys.js'
import { registerSend } from './commands/send.js'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

export function buildProgram(): Command {
  const program = new Command()
    .name('upload-webhooks')
    .description('Send signed test deliveries, doctor a deployed webhook endpoint, and re-deliver the QStash dead-letter queue.')
    .version(version)
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError()
  registerSend(program)
  registerDoctor(program)
  registerDlq(program)
  registerKeys(program)
  program.addHelpText(
    'after',
    `
Try an example locally (it runs on the public dev keys):
  upload-webhooks send onUploadComplete --to http://localhost:3000/api/webhooks/upload
  upload-webhooks doctor http://localhost:3000/api/webhooks/upload

Run \`upload-webhooks <command> --help\` for each command's options. Colours follow NO_COLOR/FORCE_COLOR.`,
  )
  return program
}
