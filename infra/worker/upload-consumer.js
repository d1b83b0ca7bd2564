// @ts-check
/**
 * Upload consumer: a Cloudflare Worker (ES module, queue consumer) that turns R2 event
 * notifications into ONE UploadKit-shaped `onUploadComplete` per object version, published
 * to a QStash URL group. Uploaded verbatim by the UploadEvents component, so it has no imports.
 *
 * Per message: `head()` the object → publish (`POST {QSTASH_URL}/v2/publish/{URL_GROUP}`) with
 * an `Upstash-Deduplication-Id` derived from bucket, key and eTag → ack only once QStash
 * accepted. QStash then signs, delivers and retries; a redelivered queue message publishes the
 * same dedupe ID, which QStash drops, so it never makes a second webhook.
 */

/**
 * @typedef {object} R2ObjectLike
 * @property {string} key
 * @property {number} size
 * @property {string} etag
 * @property {Date} uploaded
 * @property {{ contentType?: string }} [httpMetadata]
 * @property {Record<string, string>} [customMetadata]
 *
 * @typedef {object} R2BucketLike
 * @property {(key: string) => Promise<R2ObjectLike | null>} head
 *
 * @typedef {object} Env
 * @property {R2BucketLike} UPLOAD_BUCKET        the bucket the notifications come from
 * @property {string} QSTASH_URL                 region's REST base URL
 * @property {string} QSTASH_TOKEN               secret
 * @property {string} URL_GROUP                  URL group the webhook is published to
 * @property {string} [PUBLIC_BASE_URL]          `file.url` = this + "/" + key; unset: no `file.url`
 * @property {string} [FAILURE_CALLBACK_URL]     sent as `Upstash-Failure-Callback`
 * @property {string} [PUBLISH_CONCURRENCY]      publishes in flight per batch (default 6)
 *
 * @typedef {object} R2Notification  Cloudflare's event notification message body
 * @property {string} account
 * @property {string} action
 * @property {string} bucket
 * @property {{ key: string, size?: number, eTag?: string }} object
 * @property {string} eventTime
 * @property {{ bucket: string, object: string }} [copySource]
 *
 * @typedef {object} QueueMessage
 * @property {string} id
 * @property {unknown} body
 * @property {number} attempts
 * @property {() => void} ack
 * @property {(options?: { delaySeconds?: number }) => void} retry
 *
 * @typedef {{ kind: 'ack', reason: string } | { kind: 'retry', reason: string, delaySeconds?: number }} Outcome
 */

/** Actions that create an object version; anything else (deletes) is acked and skipped. */
const CREATED = new Set(['PutObject', 'CompleteMultipartUpload', 'CopyObject'])
// Workers allow 6 simultaneous open connections per invocation; more would only queue.
const DEFAULT_CONCURRENCY = 6
// Cloudflare Queues accept retry delays up to 12 hours.
const MAX_RETRY_DELAY_SECONDS = 43_200

export default {
  /**
   * @param {{ queue: string, messages: readonly QueueMessage[] }} batch
   * @param {Env} env
   */
  async queue(batch, env) {
    const limit = concurrency(env.PUBLISH_CONCURRENCY)
    await forEachBounded(batch.messages, limit, async (msg) => {
      /** @type {Outcome} */
      let outcome
      try {
        outcome = await handle(msg, env)
      } catch (err) {
        outcome = { kind: 'retry', reason: `unexpected error: ${String(err)}` }
      }
      if (outcome.kind === 'ack') {
        msg.ack()
        console.log(`upload-consumer: ack ${msg.id}: ${outcome.reason}`)
      } else {
        msg.retry(outcome.delaySeconds === undefined ? undefined : { delaySeconds: outcome.delaySeconds })
        const delay = outcome.delaySeconds === undefined ? "the queue's retry delay" : `${outcome.delaySeconds} s`
        console.warn(`upload-consumer: retry ${msg.id} (attempt ${msg.attempts}) after ${delay}: ${outcome.reason}`)
      }
    })
  },
}

/**
 * Decides one message's fate: ack, or retry (optionally after a delay).
 * @param {QueueMessage} msg
 * @param {Env} env
 * @returns {Promise<Outcome>}
 */
async function handle(msg, env) {
  const note = asNotification(msg.body)
  // Retrying a message that is not an R2 notification can never succeed.
  if (!note) return { kind: 'ack', reason: 'not an R2 event notification, dropped' }
  if (!CREATED.has(note.action)) return { kind: 'ack', reason: `${note.action} ${note.object.key} is not an upload, skipped` }

  /** @type {R2ObjectLike | null} */
  let head
  try {
    head = await env.UPLOAD_BUCKET.head(note.object.key)
  } catch (err) {
    return { kind: 'retry', reason: `R2 head(${note.object.key}) failed: ${String(err)}` }
  }
  if (!head) return { kind: 'ack', reason: `${note.object.key} was deleted before it could be published, nothing sent` }
  const eTag = unquote(note.object.eTag ?? head.etag)
  // A newer version replaced this one: that version's own notification publishes it.
  if (unquote(head.etag) !== eTag) return { kind: 'ack', reason: `${note.object.key} was overwritten since ${eTag}, skipped` }

  const ids = await objectIds(note.bucket, note.object.key, eTag)
  return publish(env, uploadCompleteEvent(head, ids.fileId, env.PUBLIC_BASE_URL), ids.dedupeId)
}

/**
 * @param {unknown} body
 * @returns {R2Notification | undefined}
 */
function asNotification(body) {
  if (typeof body !== 'object' || body === null) return undefined
  const b = /** @type {Record<string, any>} */ (body)
  const ok = typeof b.action === 'string' && typeof b.bucket === 'string' && typeof b.object?.key === 'string'
  return ok ? /** @type {R2Notification} */ (b) : undefined
}

/**
 * IDs that stay the same for one object version, however often its notification arrives.
 * @param {string} bucket
 * @param {string} key
 * @param {string} eTag
 */
async function objectIds(bucket, key, eTag) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${bucket}\n${key}\n${eTag}`))
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
  return { fileId: `r2_${hex.slice(0, 32)}`, dedupeId: `r2-${hex}` }
}

/**
 * UploadKit's `onUploadComplete` body for an R2 object.
 * @param {R2ObjectLike} head
 * @param {string} fileId
 * @param {string | undefined} publicBaseUrl
 */
function uploadCompleteEvent(head, fileId, publicBaseUrl) {
  const fileName = head.key.split('/').pop() || head.key
  return {
    event: 'onUploadComplete',
    file: {
      id: fileId,
      key: head.key,
      ...(publicBaseUrl ? { url: publicUrl(publicBaseUrl, head.key) } : {}),
      fileName,
      fileSize: head.size,
      contentType: head.httpMetadata?.contentType || 'application/octet-stream',
      status: 'UPLOADED',
      createdAt: head.uploaded.toISOString(),
    },
    metadata: { ...(head.customMetadata ?? {}) },
  }
}

/**
 * @param {string} base
 * @param {string} key
 */
function publicUrl(base, key) {
  const path = key.split('/').map(encodeURIComponent).join('/')
  return `${base.replace(/\/+$/, '')}/${path}`
}

/**
 * Publishes one event to the URL group. 2xx → ack; anything else → retry, so a wrong token
 * or a missing URL group ends in the dead-letter queue rather than losing the upload.
 * @param {Env} env
 * @param {unknown} event
 * @param {string} dedupeId
 * @returns {Promise<Outcome>}
 */
async function publish(env, event, dedupeId) {
  const url = `${env.QSTASH_URL.replace(/\/+$/, '')}/v2/publish/${encodeURIComponent(env.URL_GROUP)}`
  /** @type {Record<string, string>} */
  const headers = {
    authorization: `Bearer ${env.QSTASH_TOKEN}`,
    'content-type': 'application/json',
    'upstash-deduplication-id': dedupeId,
  }
  if (env.FAILURE_CALLBACK_URL) headers['upstash-failure-callback'] = env.FAILURE_CALLBACK_URL

  /** @type {Response} */
  let res
  try {
    res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(event) })
  } catch (err) {
    return { kind: 'retry', reason: `QStash unreachable: ${String(err)}` }
  }
  const text = await res.text()
  if (res.ok) return { kind: 'ack', reason: `published to ${env.URL_GROUP} (${dedupeId})${duplicateNote(text)}` }

  const delaySeconds = retryAfterSeconds(res.headers.get('retry-after'))
  const hint = res.status === 401 || res.status === 403 ? ' (check the QStash token and region)' : ''
  return {
    kind: 'retry',
    reason: `QStash answered HTTP ${res.status}${hint}: ${text.slice(0, 200)}`,
    ...(delaySeconds === undefined ? {} : { delaySeconds }),
  }
}

/**
 * @param {string} responseText  QStash's answer: one `{ messageId, url, deduplicated? }` per endpoint
 */
function duplicateNote(responseText) {
  try {
    const parsed = JSON.parse(responseText)
    const list = Array.isArray(parsed) ? parsed : [parsed]
    if (list.length > 0 && list.every((m) => m?.deduplicated === true)) return ', already published before: QStash dropped it'
  } catch {
    // an answer we cannot read still means accepted
  }
  return ''
}

/**
 * `Retry-After` as whole seconds (delta or HTTP date), clamped to what Queues accept.
 * @param {string | null} value
 * @returns {number | undefined}
 */
function retryAfterSeconds(value) {
  if (value === null || value.trim() === '') return undefined
  let seconds = Number(value)
  if (!Number.isFinite(seconds)) {
    const at = Date.parse(value)
    if (Number.isNaN(at)) return undefined
    seconds = (at - Date.now()) / 1000
  }
  return Math.min(MAX_RETRY_DELAY_SECONDS, Math.max(0, Math.ceil(seconds)))
}

/** @param {string | undefined} value */
function unquote(value) {
  return String(value ?? '').replace(/^(W\/)?"|"$/g, '')
}

/** @param {string | undefined} value */
function concurrency(value) {
  const n = Number(value)
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_CONCURRENCY
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight.
 * @template T
 * @param {readonly T[]} items
 * @param {number} limit
 * @param {(item: T) => Promise<void>} fn
 */
async function forEachBounded(items, limit, fn) {
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const item = /** @type {T} */ (items[next++])
      await fn(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
}
