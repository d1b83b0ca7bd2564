// The Pulumi programme. `pulumi up` runs the compiled dist/index.js (see README: TypeScript 7
// has no JS compiler API for Pulumi's built-in ts-node, so we compile with `tsc -b` first).
import { loadConfig } from './src/config.js'
import { program } from './src/program.js'

const { env } = program(loadConfig())

// The default export is the stack's outputs (Pulumi uses it instead of named exports): exactly
// the app's environment variables, UPLOADCARE_WEBHOOK_SECRET only when Uploadcare is configured.
// test/outputs-contract.test.ts checks that the app, core or the CLI reads each one.
//   pulumi stack output --json --show-secrets
export default env
