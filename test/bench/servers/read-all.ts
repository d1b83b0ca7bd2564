import type { IncomingMessage } from 'node:http'

/**
 * The whole body of a Node request, as the bare Express route reads it: 'data'/'end' events,
 * the cheapest way Node offers (what body-parser's raw-body does too, and what core does).
 */
export function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
