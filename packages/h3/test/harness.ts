// Conformance-suite mounts (test/adapters/): plain h3 v1 and v2 apps in real servers.
import { H3 } from 'h3'
import { toNodeHandler } from 'h3/node'
import * as v1 from 'h3-v1'
import { type Mount, nodeEndpoint, WEBHOOK_PATH } from '../../../test/adapters/harness.js'
import { uploadWebhooks } from '../src/index.js'

export const mountH3v1: Mount = (options) => {
  const app = v1.createApp()
  app.use(WEBHOOK_PATH, uploadWebhooks(options))
  return nodeEndpoint(v1.toNodeListener(app))
}

export const mountH3v2: Mount = (options) => {
  const app = new H3()
  app.use(WEBHOOK_PATH, uploadWebhooks(options))
  return nodeEndpoint(toNodeHandler(app) as Parameters<typeof nodeEndpoint>[0])
}
