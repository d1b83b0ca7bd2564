// Part 3: Redis round trips per delivery, read from `INFO commandstats` deltas on a dedicated
// redis-server. commandstats also counts the commands a Lua script runs inside the server, so
// MONITOR (which tags those with source "lua") splits client round trips from in-script calls.
import { createWebhookRouter, qstash, type WebhookRouter } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import { Redis } from 'ioredis'
import { startRedis } from '../support/redis-server.js'
import { uploadBody, WEBHOOK_PATH } from './payload.js'
import { quietLogger } from './quiet-logger.js'

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
  status: number
}

/** Our own probing commands, never part of a delivery's cost. */
const ADMIN = new Set(['info', 'echo', 'config|resetstat', 'config', 'monitor', 'ping', 'client|setname', 'client'])

function parseCommandstats(info: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+).*rejected_calls=(\d+)/.exec(line.trim())
    if (match && !ADMIN.has(match[1]!)) counts[match[1]!] = Number(match[2]) + Number(match[3])
  }
  return counts
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [command, calls] of Object.entries(after)) {
    const d = calls - (before[command] ?? 0)
    if (d > 0) out[command] = d
  }
  return out
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
    let inScript = 0
    const seen = new Set<string>()
    const monitor = await monitorClient.monitor()
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') inScript++
      if (String(args[0]).toLowerCase() === 'echo') seen.add(String(args[1]))
    })
    // MONITOR events arrive asynchronously: an ECHO marker tells when all earlier commands were seen.
    let markers = 0
    const drain = async () => {
      const marker = `bench-marker-${++markers}`
      await admin.echo(marker)
      const started = Date.now()
      while (!seen.has(marker)) {
        if (Date.now() - started > 5000) throw new Error('bench: MONITOR never reported the marker command')
        await new Promise((r) => setTimeout(r, 2))
      }
    }

    let failNext = false
    const router: WebhookRouter = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      store: redisStore(counted),
      logger: quietLogger,
      handlers: {
        onUploadComplete: async () => {
          if (failNext) throw new Error('bench: handler failure scenario')
        },
      },
    })
    const url = `http://127.0.0.1${WEBHOOK_PATH}`
    const delivery = async (messageId: string, body = uploadBody(7)) => ({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        ...(await signQStash({ body, url, messageId, signingKey: devSigningKeys.currentSigningKey })),
      },
      body,
    })

    const rows: RoundTripRow[] = []
    const scenario = async (name: string, target: number | undefined, request: Awaited<ReturnType<typeof delivery>>, expect: string) => {
      await drain()
      const before = parseCommandstats(await admin.info('commandstats'))
      clientCommands = 0
      inScript = 0
      const result = await router.receive(request)
      await drain()
      const stats = delta(before, parseCommandstats(await admin.info('commandstats')))
      const total = Object.values(stats).reduce((a, b) => a + b, 0)
      // A scenario that did not go the way it is named measures something else: fail the harness.
      const outcome = `${result.status} ${(JSON.parse(result.body) as { status?: string; error?: string }).status ?? ''}`.trim()
      if (outcome !== expect)
        throw new Error(`bench: round-trip scenario "${name}" answered ${outcome}, expected ${expect}: ${result.body}`)
      rows.push({
        scenario: name,
        ...(target !== undefined ? { target } : {}),
        roundTrips: total - inScript,
        clientCommands,
        commandstats: stats,
        inScript,
        status: result.status,
      })
      return result
    }

    await scenario(
      'first delivery on a fresh server (EVALSHA misses, EVAL loads the script)',
      undefined,
      await delivery('msg_bench_cold'),
      '200 processed',
    )
    // Unmeasured: loads the release script too, so the rows below show the steady state.
    failNext = true
    await router.receive(await delivery('msg_bench_warm_release'))
    failNext = false
    const first = await delivery('msg_bench_first')
    await scenario('first delivery', 2, first, '200 processed')
    await scenario('duplicate', 1, first, '200 duplicate')
    failNext = true
    await scenario('handler fails (claim released)', undefined, await delivery('msg_bench_fail'), '500 error')
    failNext = false
    await scenario(
      'unknown event type (no store access)',
      undefined,
      await delivery('msg_bench_unknown', JSON.stringify({ event: 'somethingElse' })),
      '200 ignored',
    )
    monitor.disconnect()
    return rows
  } finally {
    admin.disconnect()
    storeClient.disconnect()
    monitorClient.disconnect()
    await server.stop()
  }
}
