// The webhook route: QStash delivers here (POST /api/webhooks/upload). Every method reaches the
// handler, so a GET is answered 405 with `Allow: POST`. Nothing may read the body before it.
import { uploadWebhooks } from '@upload-webhooks/h3'
import { handlers } from '../../utils/handlers.js'
import { webhookSetupFromEnv } from '../../utils/webhook-setup.js'

// Nitro loads this module on the first request, so the store (and any Redis client) is made then.
const { verify, store } = webhookSetupFromEnv()

export default uploadWebhooks({ verify, store, handlers })
