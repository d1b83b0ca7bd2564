// A BullMQ queue over REDIS_URL, opened for the `dlq --bullmq` commands, with errors that name the fix.
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { CliError } from './output.js'

/** BullMQ's own default key prefix. */
export const DEFAULT_PREFIX = 'bull'

export interface BullMQAccess {
  queue: Queue
  prefix: string
  /** REDIS_URL without credentials, for messages. */
  where: string
  /** Closes the queue and its connection, so the process can exit. */
  close(): Promise<void>
}

/** REDIS_URL, checked: a redis:// or rediss:// URL. Returns it and where it points, credentials left out. */
function redisUrl(env: NodeJS.ProcessEnv): { url: string; where: string } {
  const url = env.REDIS_URL?.trim()
  if (!url) {
    throw new CliError('REDIS_URL is not set (dlq --bullmq reads the queue from Redis)', 'export REDIS_URL, e.g. redis://localhost:6379')
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new CliError('REDIS_URL is not a URL', 'set REDIS_URL to redis://[user:password@]host:port[/db] (rediss:// for TLS)')
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new CliError(
      `REDIS_URL must be redis:// or rediss://, got ${parsed.protocol}`,
      'set REDIS_URL to the Redis your BullMQ queue uses',
    )
  }
  return { url, where: `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}` }
}

/** Translates what a Redis or BullMQ call threw into a CliError for people. */
export function bullmqError(error: unknown, access: Pick<BullMQAccess, 'where'>, doing: string): CliError {
  if (error instanceof CliError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new CliError(
    `Redis at ${access.where} failed while ${doing}: ${message}`,
    'check REDIS_URL (host, port, password, rediss:// for TLS) and that Redis is up',
  )
}

/**
 * Connects to REDIS_URL and opens `name` under `prefix`. Refuses a queue with no trace in Redis:
 * a mistyped name or prefix would otherwise list as an empty dead-letter queue.
 */
export async function openQueue(name: string, prefix = DEFAULT_PREFIX, env: NodeJS.ProcessEnv = process.env): Promise<BullMQAccess> {
  const { url, where } = redisUrl(env)
  // Fail fast: a CLI that retries a dead Redis forever looks hung.
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => (times > 2 ? null : 200 * times),
  })
  // Each failure surfaces through the call that hit it; connect() itself only says the connection closed.
  let lastError: unknown
  client.on('error', (error) => (lastError = error))
  try {
    await client.connect()
  } catch (error) {
    client.disconnect()
    throw bullmqError(lastError ?? error, { where }, 'connecting')
  }
  // skipMetasUpdate: reading a queue must not create or rewrite its metadata.
  const queue = new Queue(name, { connection: client, prefix, skipMetasUpdate: true })
  const access: BullMQAccess = {
    queue,
    prefix,
    where,
    async close() {
      await queue.close().catch(() => {})
      client.disconnect()
    },
  }
  try {
    const counts = await queue.getJobCounts()
    const empty = Object.values(counts).every((count) => count === 0)
    if (empty && (await queue.getVersion()) === null) {
      throw new CliError(
        `no BullMQ queue "${name}" with prefix "${prefix}" at ${where}`,
        "pass the Queue's name to --bullmq, and its `prefix` option to --prefix when it is not bull",
      )
    }
  } catch (error) {
    await access.close()
    throw bullmqError(error, access, `opening queue ${name}`)
  }
  return access
}

/** Opens the queue, runs `work`, and always closes the connection. */
export async function withQueue<T>(name: string, prefix: string | undefined, work: (access: BullMQAccess) => Promise<T>): Promise<T> {
  const access = await openQueue(name, prefix)
  try {
    return await work(access)
  } finally {
    await access.close()
  }
}
