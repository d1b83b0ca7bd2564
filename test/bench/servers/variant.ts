// What each benchmark server variant runs: (a) bare route, (b) our middleware + memory store,
// (c) our middleware + real Redis through ioredis.
import { memoryStore, qstash, type WebhookRouterOptions } from '@upload-webhooks/core'
import { devSigningKeys } from '@upload-webhooks/core/testing'
import { quietLogger } from '../quiet-logger.js'

export type Variant = 'bare' | 'memory' | 'redis'
export const VARIANTS: readonly Variant[] = ['bare', 'memory', 'redis']

/** Body the bare routes answer with: the same JSON shape our middleware answers a processed delivery with. */
export const BARE_ANSWER = '{"status":"processed"}'
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

export interface VariantSetup {
  /** Router options for the middleware variants; undefined for the bare route. */
  options?: WebhookRouterOptions
  close(): Promise<void>
}

/**
 * Middleware options as an app would write them: the QStash verifier with the dev keys and a
 * handler that does nothing, so what is measured is our overhead, not the handler's work.
 */
export async function setupVariant(variant: Variant, redisUrl: string | undefined): Promise<VariantSetup> {
  if (variant === 'bare') return { close: async () => {} }
  const base = { verify: qstash({ ...devSigningKeys }), handlers: { onUploadComplete: () => {} }, logger: quietLogger }
  if (variant === 'memory') return { options: { ...base, store: memoryStore() }, close: async () => {} }
  if (!redisUrl) throw new Error('bench: the redis variant needs BENCH_REDIS_URL')
  // Imported here so the other variants' processes start without ioredis.
  const [{ Redis }, { redisStore }] = await Promise.all([import('ioredis'), import('@upload-webhooks/core/redis')])
  const client = new Redis(redisUrl)
  return {
    options: { ...base, store: redisStore(client) },
    close: async () => void client.disconnect(),
  }
}
