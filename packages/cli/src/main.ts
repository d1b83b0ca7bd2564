// Entry point behind the `upload-webhooks` bin.
import { buildProgram } from './program.js'

await buildProgram().parseAsync(process.argv)
