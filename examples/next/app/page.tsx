import { listReceived } from '../lib/received.js'

export const dynamic = 'force-dynamic'

export default function Home() {
  const { uploads, failures } = listReceived()
  return (
    <main>
      <h1>upload-webhooks · Next.js</h1>
      <p>
        QStash delivers to <code>POST /api/webhooks/upload</code>. Received so far ( <a href="/uploads">GET /uploads</a>): {uploads.length}{' '}
        uploads, {failures.length} dead-lettered deliveries.
      </p>
      <pre>{JSON.stringify({ uploads, failures }, null, 2)}</pre>
    </main>
  )
}
