// The webhook route: QStash delivers here (POST /api/webhooks/upload). Every method reaches the
// handler, so a GET is answered 405 with `Allow: POST`. Nothing may read the body before it.
import { uploadWebhooks } from '@upload-webhooks/h3'
import { recordDelivery } from '../../utils/delivery-log.js'
import { handlers } from '../../utils/handlers.js'
import { type WebhookEnv, webhookSetupFromEnv } from '../../utils/webhook-setup.js'

// Nitro loads this module on the first request, so the store (and any Redis client) is made then.
// No `store`: core's comes from UPSTASH_REDIS_REST_URL/_TOKEN, else REDIS_URL, else memory.
// A production build is production however it is started, NODE_ENV or not.
const { verify, production } = webhookSetupFromEnv(process.env as WebhookEnv, !import.meta.dev)
export default uploadWebhooks({ verify, production, handlers, onDelivery: recordDelivery })
