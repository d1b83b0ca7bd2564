// A user's app outside the repository, on the packed packages: mounts @upload-webhooks/express on
// a real Express server, sends it one signed QStash delivery twice, and prints what came back.
import { once } from 'node:events'
import { qstash } from '@upload-webhooks/core'
import { createTestDelivery, devSigningKeys } from '@upload-webhooks/core/testing'
import { uploadWebhooks } from '@upload-webhooks/express'
import express from 'express'

const handled = []
const app = express()
app.use(
  uploadWebhooks({
    path: '/api/webhooks/upload',
    verify: qstash({ currentSigningKey: devSigningKeys.currentSigningKey, nextSigningKey: devSigningKeys.nextSigningKey }),
    handlers: {
      onUploadComplete: async (event, ctx) => {
        handled.push({ deliveryId: ctx.deliveryId, fileName: event.file.fileName })
      },
    },
  }),
)

const server = app.listen(0, '127.0.0.1')
await once(server, 'listening')
const url = `http://127.0.0.1:${server.address().port}/api/webhooks/upload`
const event = {
  event: 'onUploadComplete',
  file: {
    id: 'file_tarball',
    key: 'uploads/tarball.txt',
    fileName: 'tarball.txt',
    fileSize: 7,
    contentType: 'text/plain',
    status: 'UPLOADED',
  },
  metadata: {},
}

const answers = []
for (let send = 0; send < 2; send++) {
  const delivery = await createTestDelivery({ verifier: 'qstash', event, url, deliveryId: 'msg_tarball_1' })
  const response = await fetch(delivery)
  answers.push({ status: response.status, body: await response.json() })
}
server.close()
console.log(JSON.stringify({ answers, handled }))
