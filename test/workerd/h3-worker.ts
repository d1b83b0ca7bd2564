// The h3 adapter as Nitro's `cloudflare-module` preset serves it: an h3 v1 app behind
// `toWebHandler`, its `fetch` handed the request with the Worker's env and context.
import { qstash } from '@upload-webhooks/core'
import { devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { uploadWebhooks } from '@upload-webhooks/h3'
import { createApp, toWebHandler } from 'h3-v1'

const handled: string[] = []
const app = createApp()
app.use(
  '/api/webhooks/upload',
  uploadWebhooks({
    verify: qstash(devSigningKeys),
    // As production requires; Miniflare also hands the Worker its loopback address as `Host`.
    url: 'https://app.example.com/api/webhooks/upload',
    handlers: { onUploadComplete: (event) => void handled.push(event.file.id) },
    logger: silentLogger,
  }),
)
const handle = toWebHandler(app)

export default {
  fetch(request: Request, env: unknown, context: unknown): Response | Promise<Response> {
    if (new URL(request.url).pathname === '/handled') return Response.json(handled)
    return handle(request, { cloudflare: { env, context } })
  },
}
