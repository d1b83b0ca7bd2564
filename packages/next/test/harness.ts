// Conformance-suite mounts (test/adapters/): the App Router handler called with web Requests
// as Next calls it, and the Pages Router handler behind a real Node server.
import type { NextApiRequest, NextApiResponse } from 'next'
import { type Mount, nodeEndpoint, WEBHOOK_PATH } from '../../../test/adapters/harness.js'
import { pagesUploadWebhooks, uploadWebhooks } from '../src/index.js'

export const mountNextApp: Mount = async (options) => {
  const POST = uploadWebhooks(options)
  return { url: `http://localhost:3000${WEBHOOK_PATH}`, fetch: (request) => POST(request), close: async () => {} }
}

export const mountNextPages: Mount = (options) => {
  const handler = pagesUploadWebhooks(options)
  return nodeEndpoint((req, res) => void handler(req as NextApiRequest, res as NextApiResponse))
}
