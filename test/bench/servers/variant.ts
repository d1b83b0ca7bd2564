// What each benchmark server variant runs: (a) bare route, (b) our middleware + memory store,
// (c) our middleware + real Redis through ioredis, and the recipes users write from the vendor
// docs instead: (d) `@upstash/qstash` Receiver.verify + JSON.parse, (e) the same + one SET NX;
// and the lower bound, ours' contract written inline (`lower-bound.ts`): (f) in a Map, (g) in Redis.
// The defer part's ingresses: ours deferring to BullMQ over Redis, the queue recipe, and the queue
// recipe with ours' guarantees (claim with replay nonce, add, commit).
import { memoryStore, qstash, type WebhookRouterOptions } from '@upload-webhooks/core'
import { devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { benchQueue, deferIngress } from './defer-ingress.js'
import { lowerBound } from './lower-bound.js'
import { type PeerRecipe, receiverRecipe } from './peer-recipe.js'

export type Variant = 'bare' | 'memory' | 'redis' | 'receiver' | 'receiver-setnx' | 'bound' | 'bound-redis' | DeferVariant
/** The throughput part's variants. */
export const VARIANTS: readonly Variant[] = ['bare', 'memory', 'redis', 'receiver', 'receiver-setnx', 'bound', 'bound-redis']
/**
 * The defer part's: ours with `defer: deferToBullMQ(queue)`, `Receiver.verify` + `queue.add`, and
 * the same with a claim (and replay nonce) before the add and a commit after it.
 */
export type DeferVariant = 'defer' | 'receiver-queue' | 'receiver-claim-queue'
export const DEFER_VARIANTS: readonly DeferVariant[] = ['defer', 'receiver-queue', 'receiver-claim-queue']
const isDeferVariant = (variant: Variant): variant is DeferVariant => (DEFER_VARIANTS as readonly Variant[]).includes(variant)
/** Every variant a server process can serve. */
export const ALL_VARIANTS: readonly Variant[] = [...VARIANTS, ...DEFER_VARIANTS]

/** Variants running our middleware (they dedupe, and answer a duplicate as such). */
export const OURS: ReadonlySet<Variant> = new Set(['memory', 'redis'])
/** Variants that recognise a duplicate delivery: ours, the SET NX recipe and the lower bounds. */
export const DEDUPES: ReadonlySet<Variant> = new Set(['memory', 'redis', 'receiver-setnx', 'bound', 'bound-redis'])
/** The peer recipe each of our variants, and each lower bound, is compared with. */
export const PEER_OF: Partial<Record<Variant, Variant>> = {
  memory: 'receiver',
  redis: 'receiver-setnx',
  bound: 'receiver',
  'bound-redis': 'receiver-setnx',
}

/** What a framework's listener serves on the webhook path. */
export type Route = { kind: 'bare' } | { kind: 'ours'; options: WebhookRouterOptions } | { kind: 'peer'; recipe: PeerRecipe }

export interface VariantSetup {
  route: Route
  close(): Promise<void>
}

async function redisClient(redisUrl: string | undefined) {
  if (!redisUrl) throw new Error('bench: the Redis variants need BENCH_REDIS_URL')
  // Imported here so the other variants' processes start without ioredis.
  const { Redis } = await import('ioredis')
  return new Redis(redisUrl)
}

/**
 * Middleware options as an app would write them: the QStash verifier with the dev keys and a
 * handler that does nothing, so what is measured is our overhead, not the handler's work.
 * The recipes get the same dev keys.
 */
export async function setupVariant(variant: Variant, redisUrl: string | undefined): Promise<VariantSetup> {
  const nothingToClose = async () => {}
  if (isDeferVariant(variant)) {
    const [client, queue] = await Promise.all([redisClient(redisUrl), benchQueue(redisUrl, variant)])
    const close = async () => {
      await queue.close()
      client.disconnect()
    }
    return { route: deferIngress(variant, client, queue), close }
  }
  if (variant === 'bare') return { route: { kind: 'bare' }, close: nothingToClose }
  if (variant === 'receiver') return { route: { kind: 'peer', recipe: receiverRecipe() }, close: nothingToClose }
  if (variant === 'bound') return { route: { kind: 'peer', recipe: lowerBound() }, close: nothingToClose }
  if (variant === 'receiver-setnx' || variant === 'bound-redis') {
    const client = await redisClient(redisUrl)
    const recipe = variant === 'bound-redis' ? lowerBound(client) : receiverRecipe(client)
    return { route: { kind: 'peer', recipe }, close: async () => void client.disconnect() }
  }
  const base = { verify: qstash({ ...devSigningKeys }), handlers: { onUploadComplete: () => {} }, logger: silentLogger }
  if (variant === 'memory') {
    // The soak's smoke run lowers the bound so that a tiny run still reaches it.
    const maxEntries = Number(process.env.BENCH_MEMORY_MAX_ENTRIES) || undefined
    return { route: { kind: 'ours', options: { ...base, store: memoryStore(maxEntries ? { maxEntries } : {}) } }, close: nothingToClose }
  }
  const [client, { redisStore }] = await Promise.all([redisClient(redisUrl), import('@upload-webhooks/core/redis')])
  return {
    route: { kind: 'ours', options: { ...base, store: redisStore(client) } },
    close: async () => void client.disconnect(),
  }
}
