// Prints, as JSON, the core files whose functions run while a router built from core's `dist`
// (argument 1) answers one signed QStash delivery on memoryStore(): the files a reader follows.
// V8's precise coverage counts calls; construction and signing happen before it is reset.
import { Session } from 'node:inspector/promises'
import { pathToFileURL } from 'node:url'

const dist = pathToFileURL(`${process.argv[2]}/`)
const core = await import(new URL('index.js', dist).href)
const testing = await import(new URL('testing/index.js', dist).href)

const url = 'https://uploads.example.com/api/webhooks'
const signingKey = testing.devSigningKeys.currentSigningKey
const body = JSON.stringify({ type: 'upload.completed', data: { key: 'k', url: 'https://cdn.example.com/k', name: 'k.png', size: 1 } })
const router = core.createWebhookRouter({
  verify: core.qstash({ ...testing.devSigningKeys, url }),
  store: core.memoryStore(),
  handlers: { 'upload.completed': async () => {} },
  logger: testing.silentLogger,
})
const delivery = async (messageId) => ({
  method: 'POST',
  url,
  headers: new Headers({ 'content-type': 'application/json', ...(await testing.signQStash({ body, url, signingKey, messageId })) }),
  body,
})

// A first delivery warms every lazy path, so the traced one is what each later delivery runs.
const warm = await router.receive(await delivery('msg_warm'))
const traced = await delivery('msg_traced')
const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false })
await session.post('Profiler.takePreciseCoverage')
const result = await router.receive(traced)
const { result: scripts } = await session.post('Profiler.takePreciseCoverage')
const files = scripts
  .filter((script) => script.url.startsWith(dist.href))
  .filter((script) => script.functions.some((fn) => fn.ranges[0].count > 0))
  .map((script) => script.url.slice(dist.href.length))
  .sort()
console.log(JSON.stringify({ statuses: [warm.status, result.status], files }))
