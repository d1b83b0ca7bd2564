// Part 2: what verifying one 1 KiB delivery costs — our four verifiers next to each sender's
// vendor verifier, the node:crypto floor (one HMAC-SHA256 + one SHA-256), and our Web Crypto path.
import { createHmac, createSecretKey, hash } from 'node:crypto'
import { verify as octokitVerify } from '@octokit/webhooks-methods'
import {
  createWebhookRouter,
  memoryStore,
  qstash,
  sonuslab,
  standardWebhooks,
  uploadcare,
  type Verifier,
  type VerifyInput,
} from '@upload-webhooks/core'
import {
  devSecret,
  devSigningKeys,
  devStandardWebhooksSecret,
  signQStash,
  signStandardWebhooks,
  signTimestampedHmac,
  signUploadcare,
  silentLogger,
} from '@upload-webhooks/core/testing'
import { Receiver } from '@upstash/qstash'
import { measure } from 'mitata'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { coreCryptoDist } from './paths.js'
import { uploadBody, WEBHOOK_PATH } from './payload.js'
import { signedDeliveries } from './signed-deliveries.js'

export interface VerifyRow {
  name: string
  kind: 'ours' | 'vendor' | 'floor' | 'primitives'
  /** Mean time per call, nanoseconds. */
  avgNs: number
  p50Ns: number
  p99Ns: number
  /** Vendor row this one is compared against (like for like: both parse JSON or neither does). */
  vendor?: string
  /** The row's work includes `JSON.parse` of the body (Stripe and standardwebhooks return the event). */
  parsesJson: boolean
  /** Ours ÷ the floor, the median of rounds that time the two back to back (verify-only rows). */
  floorRatio?: number
  /** Ours ÷ its vendor row, the median of rounds that time the two back to back. */
  vendorRatio?: number
}

export interface VerifyResult {
  floorNs: number
  rows: VerifyRow[]
}

/** Rows other parts of the report look up by name (part 1b sets its figures beside them). */
export const ROW = {
  floor: 'floor: node:crypto HMAC-SHA256 + SHA-256',
  qstash: 'qstash()',
  receive: 'router.receive(): a new QStash delivery through all of core, memory store, no HTTP',
} as const

interface Case {
  name: string
  kind: VerifyRow['kind']
  vendor?: string
  parsesJson?: boolean
  /** Makes each call's input outside the timed work (mitata's computed parameter). */
  input?: () => unknown
  /** Evict the CPU caches before every call, as a server's other work between requests does. */
  cold?: boolean
  /** The timed call; `never` takes any case's own input type. */
  run: (input: never) => unknown
}

/** More than a core's L2 cache: sweeping it leaves a call's code and data where a server's would be. */
const SWEEP = new Float64Array((2 * 2 ** 20) / 8)
/** One write per cache line: writes are effects no engine may drop, so every line is loaded. */
function evictCaches(): void {
  for (let i = 0; i < SWEEP.length; i += 8) SWEEP[i]!++
}

/** What mitata times for a case: the call alone, or the call on an input (and caches) made untimed. */
const timed = (c: Case) => {
  const input = c.cold
    ? () => {
        const value = c.input?.()
        evictCaches()
        return value
      }
    : c.input
  // mitata computes as many parameters as `bench` declares: one, whatever `run` declares.
  return input
    ? function* () {
        yield { [0]: input, bench: (value: never) => c.run(value) }
      }
    : () => c.run(undefined as never)
}

/**
 * The floor: one HMAC-SHA256 and one SHA-256 of the body with node:crypto, each through the
 * cheapest call Node 20 has (an HMAC over a prepared KeyObject, the one-shot `crypto.hash`).
 */
function floorWork(bytes: Uint8Array): () => unknown {
  const key = createSecretKey(Buffer.from(devSecret))
  return () => [createHmac('sha256', key).update(bytes).digest(), hash('sha256', bytes, 'buffer')]
}

/** Rounds of back-to-back timing behind each paired ratio, and the CPU time per case and round. */
const PAIRED_ROUNDS = 9
const PAIRED_CPU_MS = 60

/**
 * `a` ÷ `b` as the median of rounds that time both back to back, in alternating order: a
 * neighbour's burst or a slower stretch of this VM then slows both sides of a round alike,
 * where two cases measured minutes apart (the table's means) can drift by tens of per cent.
 */
async function pairedRatio(a: Case, b: Case, options: { minCpuMs: number; smoke?: boolean }): Promise<number> {
  const sampling = options.smoke ? samplingOf(options) : { min_cpu_time: PAIRED_CPU_MS * 1e6 }
  const ratios: number[] = []
  for (let round = 0; round < (options.smoke ? 1 : PAIRED_ROUNDS); round++) {
    const [first, second] = round % 2 === 0 ? [a, b] : [b, a]
    const firstNs = (await measure(timed(first), sampling)).avg
    const secondNs = (await measure(timed(second), sampling)).avg
    ratios.push(first === a ? firstNs / secondNs : secondNs / firstNs)
  }
  ratios.sort((x, y) => x - y)
  return ratios[Math.floor(ratios.length / 2)]!
}

const samplingOf = (options: { minCpuMs: number; smoke?: boolean }) =>
  options.smoke
    ? { min_cpu_time: 0, min_samples: 4, max_samples: 4, warmup_samples: 1, batch_threshold: 0 }
    : { min_cpu_time: options.minCpuMs * 1e6 }

/** The floor alone, ns per call (best of two passes): the overhead target when the verify part is not run. */
export async function measureFloor(options: { minCpuMs: number; smoke?: boolean }): Promise<number> {
  const run = floorWork(new Uint8Array(Buffer.from(uploadBody(1))))
  const passes = [await measure(run, samplingOf(options)), await measure(run, samplingOf(options))]
  return Math.min(...passes.map((p) => p.avg))
}

/**
 * Samples each case for about `minCpuMs` of CPU time (mitata's default is 642 ms); `smoke`
 * takes a handful of samples, enough to prove every case runs and verifies.
 */
export async function measureVerifyCost(options: { minCpuMs: number; smoke?: boolean }): Promise<VerifyResult> {
  const text = uploadBody(1)
  const bytes = new Uint8Array(Buffer.from(text))
  const body = { bytes, text }
  const url = `http://127.0.0.1${WEBHOOK_PATH}`
  const deliveryId = 'dlv_bench_0001'
  const input = (headers: Record<string, string>): VerifyInput => ({ method: 'POST', url, headers, body })

  // Signed once, up front: signing is not what is measured.
  const qstashHeaders = await signQStash({
    body: text,
    url,
    messageId: deliveryId,
    signingKey: devSigningKeys.currentSigningKey,
    expiresInSeconds: 3600,
  })
  const hmacHeader = await signTimestampedHmac({ body: text, secret: devSecret })
  const ucHeader = await signUploadcare({ body: text, secret: devSecret })
  const swHeaders = await signStandardWebhooks({ body: text, secret: devStandardWebhooksSecret, id: deliveryId })

  const ours = {
    qstash: qstash({ ...devSigningKeys }),
    sonuslab: sonuslab({ secret: devSecret }),
    uploadcare: uploadcare({ secret: devSecret }),
    standardWebhooks: standardWebhooks({ secret: devStandardWebhooksSecret }),
  }
  const inputs = {
    qstash: input(qstashHeaders),
    sonuslab: input({ 'x-sonuslab-signature': hmacHeader, 'x-sonuslab-delivery': deliveryId }),
    uploadcare: input({ 'x-uc-signature': ucHeader }),
    standardWebhooks: input(swHeaders),
  }
  const receiver = new Receiver({ ...devSigningKeys })
  const stripe = new Stripe('sk_test_bench_offline')
  const svix = new Webhook(devStandardWebhooksSecret)
  const githubSignature = `sha256=${ucHeader.slice(3)}` // GitHub's scheme is Uploadcare's: hex HMAC of the raw body

  const webCrypto = (await import(new URL('web.js', coreCryptoDist).href)) as typeof import('../../packages/core/src/crypto/web.js')
  const nodeCrypto = (await import(new URL('node.js', coreCryptoDist).href)) as typeof import('../../packages/core/src/crypto/node.js')
  const webKey = webCrypto.importHmacKey(Buffer.from(devSecret))
  const nodeKey = nodeCrypto.importHmacKey(Buffer.from(devSecret))

  // The whole of core per delivery, without HTTP: every call a new QStash delivery (new message
  // ID and `jti`), through verify, decode, route, claim, handler, commit and answer.
  const router = createWebhookRouter({
    verify: qstash({ ...devSigningKeys }),
    store: memoryStore(),
    handlers: { onUploadComplete: () => {} },
    logger: silentLogger,
  })
  const nextDelivery = signedDeliveries(url, 'msg_router_')
  const newDelivery = () => {
    const { body, headers } = nextDelivery()
    return { method: 'POST', url, headers, body: new Uint8Array(Buffer.from(body)) }
  }

  const receiveNew = async (delivery: Parameters<typeof router.receive>[0]) => (await router.receive(delivery)).outcome === 'processed'

  // On Node a verifier answers without a promise: a row awaits only one it got, as the router does.
  const verifyWith = (v: Verifier, i: VerifyInput) => () => v.verify(i)
  const afterVerify = (v: Verifier, i: VerifyInput, then: () => unknown) => () => {
    const verifying = v.verify(i)
    return verifying instanceof Promise ? verifying.then(then) : then()
  }
  const verifyAndParse = (v: Verifier, i: VerifyInput) => afterVerify(v, i, () => JSON.parse(i.body.text))
  const cases: Case[] = [
    {
      name: ROW.floor,
      kind: 'floor',
      run: floorWork(bytes),
    },
    {
      name: 'core crypto/node.ts: hmacSha256 + sha256',
      kind: 'primitives',
      run: () => [nodeCrypto.hmacSha256(nodeKey, '', bytes), nodeCrypto.sha256(bytes)],
    },
    {
      name: 'core crypto/web.ts: hmacSha256 + sha256 (cached key)',
      kind: 'primitives',
      run: () => Promise.all([webCrypto.hmacSha256(webKey, '', bytes), webCrypto.sha256(bytes)]),
    },
    { name: ROW.qstash, kind: 'ours', vendor: '@upstash/qstash Receiver.verify', run: verifyWith(ours.qstash, inputs.qstash) },
    {
      name: ROW.receive,
      kind: 'primitives',
      input: newDelivery,
      run: receiveNew,
    },
    { name: 'floor, caches cold (2 MiB swept before each call)', kind: 'primitives', cold: true, run: floorWork(bytes) },
    {
      name: 'router.receive(), caches cold (2 MiB swept before each call)',
      kind: 'primitives',
      cold: true,
      input: newDelivery,
      run: receiveNew,
    },
    {
      name: '@upstash/qstash Receiver.verify',
      kind: 'vendor',
      run: () => receiver.verify({ signature: qstashHeaders['upstash-signature']!, body: text, url }),
    },
    { name: 'sonuslab() (timestampedHmac)', kind: 'ours', run: verifyWith(ours.sonuslab, inputs.sonuslab) },
    {
      name: 'sonuslab() + JSON.parse',
      kind: 'ours',
      vendor: 'stripe webhooks.constructEventAsync',
      parsesJson: true,
      run: verifyAndParse(ours.sonuslab, inputs.sonuslab),
    },
    {
      name: 'stripe webhooks.constructEventAsync',
      kind: 'vendor',
      parsesJson: true,
      run: () => stripe.webhooks.constructEventAsync(text, hmacHeader, devSecret),
    },
    { name: 'uploadcare()', kind: 'ours', vendor: '@octokit/webhooks-methods verify', run: verifyWith(ours.uploadcare, inputs.uploadcare) },
    { name: '@octokit/webhooks-methods verify', kind: 'vendor', run: () => octokitVerify(devSecret, text, githubSignature) },
    {
      // Uploadcare sends no delivery ID: the authenticate step keys each delivery by the body's
      // SHA-256 (hex), one digest that also binds its records. Per delivery that is this.
      name: "uploadcare() + the body's SHA-256 it is keyed by (per delivery)",
      kind: 'ours',
      vendor: '@octokit/webhooks-methods verify + SHA-256 of the body (equal work)',
      run: afterVerify(ours.uploadcare, inputs.uploadcare, () => {
        const digest = nodeCrypto.sha256(bytes)
        return [nodeCrypto.hex(digest), nodeCrypto.base64Url(digest)]
      }),
    },
    {
      name: '@octokit/webhooks-methods verify + SHA-256 of the body (equal work)',
      kind: 'vendor',
      run: async () => (await octokitVerify(devSecret, text, githubSignature)) && hash('sha256', bytes, 'buffer'),
    },
    { name: 'standardWebhooks()', kind: 'ours', run: verifyWith(ours.standardWebhooks, inputs.standardWebhooks) },
    {
      name: 'standardWebhooks() + JSON.parse',
      kind: 'ours',
      vendor: 'standardwebhooks Webhook.verify',
      parsesJson: true,
      run: verifyAndParse(ours.standardWebhooks, inputs.standardWebhooks),
    },
    { name: 'standardwebhooks Webhook.verify', kind: 'vendor', parsesJson: true, run: () => svix.verify(text, swHeaders) },
  ]

  // A case that does not verify would time the rejection path: fail the harness instead.
  for (const c of cases) {
    const outcome = await c.run(c.input?.() as never)
    if (outcome === false) throw new Error(`bench: "${c.name}" rejected the benchmark delivery; the signing setup is broken`)
  }

  // Two passes over every case, each case keeping its faster pass: evens out the order the
  // cases run in (the first one also pays for a cold CPU) and a neighbour's burst of work.
  const best = new Map<Case, Awaited<ReturnType<typeof measure>>>()
  for (let pass = 0; pass < (options.smoke ? 1 : 2); pass++) {
    for (const c of cases) {
      // A cold case cannot be batched: mitata makes a batch's inputs before timing any of it.
      const stats = await measure(timed(c), { ...samplingOf(options), ...(c.cold ? { batch_threshold: 0 } : {}) })
      if (!best.has(c) || stats.avg < best.get(c)!.avg) best.set(c, stats)
    }
  }
  const byName = new Map(cases.map((c) => [c.name, c]))
  const floorCase = byName.get(ROW.floor)!
  const paired = new Map<Case, { floorRatio?: number; vendorRatio?: number }>()
  for (const c of cases) {
    if (c.kind !== 'ours') continue
    const vendor = c.vendor ? byName.get(c.vendor) : undefined
    paired.set(c, {
      ...(c.parsesJson ? {} : { floorRatio: await pairedRatio(c, floorCase, options) }),
      ...(vendor ? { vendorRatio: await pairedRatio(c, vendor, options) } : {}),
    })
  }
  const rows: VerifyRow[] = cases.map((c) => {
    const stats = best.get(c)!
    return {
      ...paired.get(c),
      name: c.name,
      kind: c.kind,
      avgNs: stats.avg,
      p50Ns: stats.p50,
      p99Ns: stats.p99,
      parsesJson: c.parsesJson ?? false,
      ...(c.vendor ? { vendor: c.vendor } : {}),
    }
  })
  return { floorNs: rows[0]!.avgNs, rows }
}
