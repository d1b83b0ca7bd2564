// Part 3: Redis round trips per delivery, read from `INFO commandstats` deltas on a dedicated
// redis-server. commandstats also counts the commands a Lua script runs inside the server, so
// MONITOR (which tags those with source "lua") splits client round trips from in-script calls.
// A claim with a replay nonce is one EVALSHA whose script sets two keys, so the split matters.
import { createWebhookRouter, qstash, type WebhookResult, type WebhookRouter } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSigningKeys, signQStash, silentLogger } from '@upload-webhooks/core/testing'
import { Redis } from 'ioredis'
import { startRedis } from '../support/redis-server.js'
import { uploadBody, WEBHOOK_PATH } from './payload.js'
import { commandCounter } from './redis-commands.js'

export interface RoundTripRow {
  scenario: string
  /** Round trips the dedupe protocol promises for this scenario; undefined = informative only. */
  target?: number
  /** Client round trips: commandstats delta minus the calls Lua scripts made inside the server. */
  roundTrips: number
  /** Commands the store sent, counted on the client: a cross-check of `roundTrips`. */
  clientCommands: number
  /** Raw `INFO commandstats` delta, `calls + rejected_calls` per command. */
  commandstats: Record<string, number>
  /** Calls made by scripts inside the server (MONITOR source "lua"). */
  inScript: number
  /** EVALSHA answered NOSCRIPT and the store sent EVAL: the extra round trip of a cold script cache. */
  scriptCacheMisses: number
  /** HTTP status the router answered; undefined for a row that is not a delivery. */
  status?: number
}

export async function measureRoundTrips(redisBinary: string): Promise<RoundTripRow[]> {
  const server = await startRedis(redisBinary)
  const admin = new Redis(server.url, { lazyConnect: true })
  const storeClient = new Redis(server.url, { lazyConnect: true })
  const monitorClient = new Redis(server.url, { lazyConnect: true })
  try {
    await Promise.all([admin.connect(), storeClient.connect(), monitorClient.connect()])

    let clientCommands = 0
    const counted = {
      call: (command: string, ...args: (string | number)[]) => {
        clientCommands++
        return storeClient.call(command, ...args)
      },
    }
    const counter = await commandCounter(admin, monitorClient)

    const url = `http://127.0.0.1${WEBHOOK_PATH}`
    const delivery = async (messageId: string, body = uploadBody(7)) => ({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        ...(await signQStash({ body, url, messageId, signingKey: devSigningKeys.currentSigningKey })),
      } as Record<string, string>,
      body,
    })

    const rows: RoundTripRow[] = []
    /** Counts what `work` sends; a delivery's answer must be `expect`, else the row measures something else. */
    const count = async (name: string, target: number | undefined, work: () => Promise<WebhookResult | undefined>, expect?: string) => {
      clientCommands = 0
      const { result, roundTrips, commandstats: stats, inScript } = await counter.count(work)
      if (result) {
        const outcome = `${result.status} ${(JSON.parse(result.body) as { status?: string }).status ?? ''}`.trim()
        if (outcome !== expect)
          throw new Error(`bench: round-trip scenario "${name}" answered ${outcome}, expected ${expect}: ${result.body}`)
      }
      rows.push({
        scenario: name,
        ...(target !== undefined ? { target } : {}),
        roundTrips,
        clientCommands,
        commandstats: stats,
        inScript,
        // Only the store's NOSCRIPT fallback sends EVAL (MONITOR would show a script's own calls as "lua").
        scriptCacheMisses: stats['eval'] ?? 0,
        ...(result ? { status: result.status } : {}),
      })
    }

    let failNext = false
    let router: WebhookRouter | undefined
    // A store that loads its scripts when it is created shows those commands here.
    await count('router start-up (before any delivery)', undefined, async () => {
      router = createWebhookRouter({
        verify: qstash({ ...devSigningKeys }),
        store: redisStore(counted),
        logger: silentLogger,
        handlers: {
          onUploadComplete: async () => {
            if (failNext) throw new Error('bench: handler failure scenario')
          },
        },
      })
      await new Promise((settled) => setTimeout(settled, 50))
      return undefined
    })
    const receive = (request: Awaited<ReturnType<typeof delivery>>) => router!.receive(request)
    const scenario = (name: string, target: number | undefined, request: Awaited<ReturnType<typeof delivery>>, expect: string) =>
      count(name, target, () => receive(request), expect)

    // On an empty script cache each script's first EVALSHA answers NOSCRIPT and the store sends
    // EVAL: one extra round trip per script, once per server (start) — shown apart from the targets.
    await scenario('first delivery on a fresh server (script cache empty)', undefined, await delivery('msg_bench_cold'), '200 processed')
    // Unmeasured: loads the release script too, so the rows below show the steady state.
    failNext = true
    await receive(await delivery('msg_bench_warm_release'))
    failNext = false
    const first = await delivery('msg_bench_first')
    await scenario('first delivery', 2, first, '200 processed')
    await scenario('duplicate', 1, first, '200 duplicate')
    await scenario(
      'replayed signature (same token, another message ID)',
      undefined,
      { ...first, headers: { ...first.headers, 'upstash-message-id': 'msg_bench_replay' } },
      '401 rejected',
    )
    failNext = true
    await scenario('handler fails (claim released)', undefined, await delivery('msg_bench_fail'), '500 error')
    failNext = false
    await scenario(
      'unknown event type (no store access)',
      undefined,
      await delivery('msg_bench_unknown', JSON.stringify({ event: 'somethingElse' })),
      '200 ignored',
    )
    counter.stop()
    return rows
  } finally {
    admin.disconnect()
    storeClient.disconnect()
    monitorClient.disconnect()
    await server.stop()
  }
}
