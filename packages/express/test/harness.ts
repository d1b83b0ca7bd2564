// Conformance-suite mounts (test/adapters/): Express 5 and 4 in real servers.
/// <reference path="./express4.d.ts" />
import express5 from 'express'
import express4 from 'express4'
import { type Mount, nodeEndpoint, WEBHOOK_PATH } from '../../../test/adapters/harness.js'
import { uploadWebhooks } from '../src/index.js'

export const mountExpress5: Mount = (options) => {
  const app = express5()
  app.use(uploadWebhooks({ ...options, path: WEBHOOK_PATH }))
  return nodeEndpoint(app)
}

export const mountExpress4: Mount = (options) => {
  const app = express4()
  app.use(uploadWebhooks({ ...options, path: WEBHOOK_PATH }))
  return nodeEndpoint(app)
}
