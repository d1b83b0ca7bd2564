// What every adapter provides to the conformance suite: one mounted webhook endpoint.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { WebhookRouterOptions } from '@upload-webhooks/core'

export const WEBHOOK_PATH = '/api/webhooks/upload'

export interface Endpoint {
  /** Absolute URL of the webhook endpoint as the adapter sees it (the QStash `sub`). */
  url: string
  /** Sends one request to the endpoint: over the network for servers, a direct call for web handlers. */
  fetch(request: Request): Promise<Response>
  /** Answers come over HTTP from a Node server (not a `Response` returned by a direct call). */
  http?: boolean
  close(): Promise<void>
}

/** Mounts `uploadWebhooks(options)` of one framework at `WEBHOOK_PATH`. */
export type Mount = (options: WebhookRouterOptions) => Promise<Endpoint>

/** A Node listener on 127.0.0.1 port 0, as an Endpoint driven with the global fetch. */
export async function nodeEndpoint(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<Endpoint> {
  const server: Server = createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    fetch: (request) => fetch(request),
    http: true,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
