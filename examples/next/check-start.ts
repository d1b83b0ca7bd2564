// `pnpm start` runs this before `next start`: Next prints "Ready" before it loads any of the
// app's code, so a production start on the public dev keys is refused here, before that line.
import { webhookSummaryOrExit } from './instrumentation-node.js'

webhookSummaryOrExit(true)
