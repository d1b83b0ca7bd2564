// The Pulumi programme. `pulumi up` runs the compiled dist/index.js (see README: TypeScript 7
// has no JS compiler API for Pulumi's built-in ts-node, so we compile with `tsc -b` first).
import { loadConfig } from './src/config.js'
import { program } from './src/program.js'

const { env } = program(loadConfig())

// Stack outputs are exactly the app's environment variables:
//   pulumi stack output --json --show-secrets
export const QSTASH_CURRENT_SIGNING_KEY = env.QSTASH_CURRENT_SIGNING_KEY
export const QSTASH_NEXT_SIGNING_KEY = env.QSTASH_NEXT_SIGNING_KEY
export const UPSTASH_REDIS_REST_URL = env.UPSTASH_REDIS_REST_URL
export const UPSTASH_REDIS_REST_TOKEN = env.UPSTASH_REDIS_REST_TOKEN
export const UPLOAD_BUCKET_NAME = env.UPLOAD_BUCKET_NAME
export const QSTASH_URL_GROUP = env.QSTASH_URL_GROUP
