#!/usr/bin/env node
// Committed shim so the bin exists before the first build; the CLI itself is dist/main.js.
import('../dist/main.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    console.error('error: @upload-webhooks/cli is not built yet\nfix:   run `pnpm build` at the repository root')
    process.exit(1)
  }
  throw error
})
