import type { Logger } from '@upload-webhooks/core'

/** The router's logger during a benchmark: expected failures must not flood the output. */
export const quietLogger: Logger = { warn: () => {}, error: () => {} }
