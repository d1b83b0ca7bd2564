import { readDeliveryLog } from '../lib/delivery-log.js'
import { LoadDeliveryLog } from './load-delivery-log.js'

export const dynamic = 'force-dynamic'

const WEBHOOK_PATH = '/api/webhooks/upload'

/** The log as the server has it, for the first paint; `<` escaped so no value can close the script element. */
const initialLog = () => JSON.stringify(readDeliveryLog()).replace(/</g, '\\u003c')

export default function Home() {
  return (
    <>
      <h1>upload-webhooks · Next.js</h1>
      <p>
        Signed deliveries arrive at <code>POST {WEBHOOK_PATH}</code>. Every attempt and its verdict shows here as it happens.
      </p>
      <main id="delivery-log" data-webhook-path={WEBHOOK_PATH}>
        <noscript>
          <p>
            The live log needs JavaScript; without it, see <a href="/deliveries">GET /deliveries</a> and <a href="/uploads">GET /uploads</a>
            .
          </p>
        </noscript>
      </main>
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: JSON data, not markup, with `<` escaped */}
      <script type="application/json" id="delivery-log-data" dangerouslySetInnerHTML={{ __html: initialLog() }} />
      <LoadDeliveryLog />
    </>
  )
}
