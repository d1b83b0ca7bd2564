// Part 7b: Redis round trips of "answer fast, process later", counted as part 3 counts them
// (redis-commands.ts), on a dedicated redis-server: per delivery at the ingress (ours with
// `deferToBullMQ` against `Receiver.verify` + `queue.add`, with and without a claim and commit), and per job at the worker
// (`createWorker().bullmq` against a bare BullMQ processor running the same handler).
import { createWebhookRouter, createWorker, qstash } from '@upload-webhooks/core'
import { type BullMQQueueLike, deferToBullMQ } from '@upload-webhooks/core/bullmq'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { Queue, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { startRedis } from '../support/redis-server.js'
import { WEBHOOK_PATH } from './payload.js'
import { type CommandCounter, commandCounter } from './redis-commands.js'
import { deferred, queued } from './servers/answers.js'
import { receiverClaimQueueRecipe } from './servers/claim-queue-recipe.js'
import { DEFER_JOB_OPTIONS } from './servers/defer-ingress.js'
import { type PeerRecipe, receiverQueueRecipe } from './servers/peer-recipe.js'
import { type NextDelivery, signedDeliveries } from './signed-deliveries.js'

export type DeferRoundTripScenario = 'ingress-ours' | 'ingress-recipe' | 'ingress-recipe-claim' | 'worker-bare' | 'worker-ours'

export interface DeferRoundTripRow {
  scenario: DeferRoundTripScenario
  /** Deliveries sent, or jobs processed (the worker rows: the larger of their two batches). */
  items: number
  /** Client round trips per delivery or job; for the worker, the marginal cost of a job (start-up left out). */
  roundTrips: number
  /** Of those, what the dedupe store sent, counted on the client: ours' claim and commit, or the claiming recipe's. */
  storeCommands: number
  /** Calls made inside Lua scripts, per item. */
  inScript: number
  /** The commandstats delta per item, by command (the worker's: the difference of its two batches). */
  commandstats: Record<string, number>
}

export interface DeferRoundTripOptions {
  /** Deliveries per ingress row; the worker rows process this many jobs, then twice as many. */
  items: number
}

/** A no-op handler: the bare processor and ours run the same one. */
const handler = (_event?: unknown) => {}
/** Long enough for a few thousand jobs on a loaded machine; a job that never completes fails the run. */
const COMPLETION_TIMEOUT_MS = 120_000

/** `(after − before) / items` per command, the ones that net to zero left out. */
function perCommand(after: Record<string, number>, before: Record<string, number>, items: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const command of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const d = (after[command] ?? 0) - (before[command] ?? 0)
    if (d !== 0) out[command] = d / items
  }
  return out
}

async function runWorker(
  queueName: string,
  processor: ConstructorParameters<typeof Worker>[1],
  url: string,
  jobs: number,
  expect?: string,
) {
  const connection = new Redis(url, { maxRetriesPerRequest: null })
  const worker = new Worker(queueName, processor, { connection, concurrency: 1 })
  let completed = 0
  let failure: string | undefined
  worker.on('completed', (_job, value) => {
    if (expect !== undefined && value !== expect) failure ??= `a job completed as ${JSON.stringify(value)}, expected ${expect}`
    completed++
  })
  worker.on('failed', (job, error) => {
    failure ??= `job ${job?.id} failed: ${error.message}`
  })
  const started = Date.now()
  try {
    while (completed < jobs && !failure) {
      if (Date.now() - started > COMPLETION_TIMEOUT_MS)
        failure = `${completed} of ${jobs} jobs completed within ${COMPLETION_TIMEOUT_MS / 1000} s`
      await new Promise((r) => setTimeout(r, 5))
    }
  } finally {
    await worker.close()
    connection.disconnect()
  }
  if (failure) throw new Error(`bench: the ${queueName} worker: ${failure}`)
}

export async function measureDeferRoundTrips(redisBinary: string, options: DeferRoundTripOptions): Promise<DeferRoundTripRow[]> {
  const server = await startRedis(redisBinary)
  const admin = new Redis(server.url)
  const monitorClient = new Redis(server.url)
  const storeClient = new Redis(server.url)
  const queueConnection = new Redis(server.url, { maxRetriesPerRequest: null })
  const queues: Queue[] = []
  const clients = [admin, monitorClient, storeClient, queueConnection]
  let counter: CommandCounter | undefined
  try {
    counter = await commandCounter(admin, monitorClient)
    let storeCommands = 0
    const store = redisStore({
      call: (command: string, ...args: (string | number)[]) => {
        storeCommands++
        return storeClient.call(command, ...args)
      },
    })
    const queueOf = (name: string) => {
      const queue = new Queue(name, { connection: queueConnection })
      queues.push(queue)
      return queue
    }
    const url = `http://127.0.0.1${WEBHOOK_PATH}`
    let batch = 0
    const deliveries = (): NextDelivery => signedDeliveries(url, `msg_defer_rt_${++batch}_`)
    const ingressQueue = queueOf('bench-rt-ingress')
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      handlers: { onUploadComplete: handler },
      logger: silentLogger,
      store,
      defer: deferToBullMQ(ingressQueue as unknown as BullMQQueueLike),
    })
    /** `amount` new deliveries through ours' ingress into `router`, each answered 202. */
    const ingress = async (through: typeof router, amount: number) => {
      const next = deliveries()
      for (let i = 0; i < amount; i++) {
        const { body, headers } = next()
        const answer = await through.receive({ method: 'POST', url, headers, body })
        if (!deferred(answer.status, answer.body)) throw new Error(`bench: the deferring ingress answered ${answer.status} ${answer.body}`)
      }
    }
    // The claiming recipe's own client, every command it sends counted as the store's are.
    const recipeStore = new Redis(server.url)
    const sendCommand = recipeStore.sendCommand.bind(recipeStore)
    recipeStore.sendCommand = (...args) => {
      storeCommands++
      return sendCommand(...args)
    }
    clients.push(recipeStore)
    const recipes = {
      plain: { recipe: receiverQueueRecipe(queueOf('bench-rt-recipe'), DEFER_JOB_OPTIONS), ok: queued },
      claim: { recipe: receiverClaimQueueRecipe(recipeStore, queueOf('bench-rt-recipe-claim'), DEFER_JOB_OPTIONS), ok: deferred },
    }
    const viaRecipe = async ({ recipe, ok }: { recipe: PeerRecipe; ok: typeof queued }, amount: number) => {
      const next = deliveries()
      for (let i = 0; i < amount; i++) {
        const { body, headers } = next()
        const messageId = headers['upstash-message-id']
        const answer = await recipe({ body, signature: headers['upstash-signature'], messageId, url })
        if (!ok(answer.status, answer.body)) throw new Error(`bench: a queue recipe answered ${answer.status} ${answer.body}`)
      }
    }
    const rows: DeferRoundTripRow[] = []
    const perItem = (amount: number, counted: Awaited<ReturnType<CommandCounter['count']>>, store: number) => ({
      items: amount,
      roundTrips: counted.roundTrips / amount,
      storeCommands: store / amount,
      inScript: counted.inScript / amount,
      commandstats: perCommand(counted.commandstats, {}, amount),
    })
    // Unmeasured first: each script's first EVALSHA on a fresh server answers NOSCRIPT.
    await ingress(router, 3)
    await viaRecipe(recipes.plain, 3)
    await viaRecipe(recipes.claim, 3)
    storeCommands = 0
    const ours = await counter.count(() => ingress(router, options.items))
    rows.push({ scenario: 'ingress-ours', ...perItem(options.items, ours, storeCommands) })
    storeCommands = 0
    const theirs = await counter.count(() => viaRecipe(recipes.plain, options.items))
    rows.push({ scenario: 'ingress-recipe', ...perItem(options.items, theirs, storeCommands) })
    storeCommands = 0
    const claiming = await counter.count(() => viaRecipe(recipes.claim, options.items))
    rows.push({ scenario: 'ingress-recipe-claim', ...perItem(options.items, claiming, storeCommands) })

    const processors = {
      'worker-bare': { run: async (job: { data: { event: unknown } }) => void handler(job.data.event), expect: undefined },
      'worker-ours': {
        run: createWorker({ handlers: { onUploadComplete: handler }, store, logger: silentLogger }).bullmq,
        expect: 'processed',
      },
    }
    for (const [scenario, { run, expect }] of Object.entries(processors) as [
      DeferRoundTripScenario,
      (typeof processors)['worker-ours'],
    ][]) {
      /** Jobs queued by ours' ingress (uncounted), then one worker from start to close, counted. */
      const batchOf = async (jobs: number) => {
        const queue = queueOf(`bench-rt-${scenario}-${jobs}-${batch}`)
        const filler = createWebhookRouter({
          verify: qstash({ ...devSigningKeys }),
          handlers: { onUploadComplete: handler },
          logger: silentLogger,
          store,
          defer: deferToBullMQ(queue as unknown as BullMQQueueLike),
        })
        await ingress(filler, jobs)
        storeCommands = 0
        const counted = await counter!.count(() => runWorker(queue.name, run, server.url, jobs, expect))
        return { counted, store: storeCommands }
      }
      await batchOf(3)
      // Two batches, n and 2n jobs: their difference is n jobs' worth, the worker's start-up and close cancelled out.
      const small = await batchOf(options.items)
      const large = await batchOf(2 * options.items)
      rows.push({
        scenario,
        items: 2 * options.items,
        roundTrips: (large.counted.roundTrips - small.counted.roundTrips) / options.items,
        storeCommands: (large.store - small.store) / options.items,
        inScript: (large.counted.inScript - small.counted.inScript) / options.items,
        commandstats: perCommand(large.counted.commandstats, small.counted.commandstats, options.items),
      })
    }
    return rows
  } finally {
    counter?.stop()
    for (const queue of queues) await queue.close()
    for (const client of clients) client.disconnect()
    await server.stop()
  }
}
