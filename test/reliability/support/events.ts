// Distinct upload events, one sender format each, and signing them the way each sender does per attempt.
import {
  devSecret,
  devStandardWebhooksSecret,
  signQStash,
  signStandardWebhooks,
  signTimestampedHmac,
  signUploadcare,
} from '@upload-webhooks/core/testing'
import { PUBLIC_URL } from './constants.js'

export type SenderKind = 'qstash' | 'sonuslab' | 'uploadcare' | 'standard-webhooks'
export const SENDER_KINDS: readonly SenderKind[] = ['qstash', 'sonuslab', 'uploadcare', 'standard-webhooks']

export interface EventSpec {
  /** Normalised `event.file.id`: the handler's effect key. */
  fileId: string
  kind: SenderKind
  /** Exact body text; every copy and retry of this event sends these bytes. */
  body: string
  /** Sender's delivery id (QStash message id, X-Sonuslab-Delivery, webhook-id); Uploadcare has none. */
  deliveryId: string
}

function bodyFor(kind: SenderKind, fileId: string, seq: number): unknown {
  const key = `uploads/${fileId}.jpg`
  const url = `https://files.example.test/${key}`
  const createdAt = new Date(1_750_000_000_000 + seq * 1000).toISOString()
  switch (kind) {
    case 'qstash':
      return {
        event: 'onUploadComplete',
        file: {
          id: fileId,
          key,
          url,
          fileName: `${fileId}.jpg`,
          fileSize: 1000 + seq,
          contentType: 'image/jpeg',
          status: 'uploaded',
          createdAt,
        },
        metadata: { seq },
      }
    case 'sonuslab':
      return {
        event: 'upload.completed',
        data: { file: { id: fileId, key, name: `${fileId}.jpg`, size: 1000 + seq, contentType: 'image/jpeg', uploadedAt: createdAt } },
      }
    case 'uploadcare':
      return {
        hook: { id: seq, project_id: 1, target: PUBLIC_URL, event: 'file.uploaded', is_active: true, created_at: createdAt },
        data: {
          uuid: fileId,
          original_filename: `${fileId}.jpg`,
          size: 1000 + seq,
          mime_type: 'image/jpeg',
          datetime_uploaded: createdAt,
          metadata: {},
        },
        file: `https://ucarecdn.com/${fileId}/`,
      }
    case 'standard-webhooks':
      return {
        type: 'file.uploaded',
        timestamp: createdAt,
        data: { file: { id: fileId, key, name: `${fileId}.jpg`, size: 1000 + seq, contentType: 'image/jpeg' } },
      }
  }
}

/** `count` distinct events cycling through the four senders; ids start with `scenario`. */
export function makeEvents(scenario: string, count: number): EventSpec[] {
  return Array.from({ length: count }, (_, seq) => {
    const kind = SENDER_KINDS[seq % SENDER_KINDS.length]!
    const fileId = `${scenario}-${seq}`
    return {
      fileId,
      kind,
      body: JSON.stringify(bodyFor(kind, fileId, seq)),
      deliveryId: `${kind === 'qstash' ? 'msg' : 'dlv'}_${scenario}_${seq}`,
    }
  })
}

/** Headers of one attempt, signed now (QStash and the timestamped senders re-sign every retry). */
export async function signAttempt(event: EventSpec, retried: number): Promise<Record<string, string>> {
  const base = { 'content-type': 'application/json' }
  switch (event.kind) {
    case 'qstash':
      return { ...base, ...(await signQStash({ body: event.body, url: PUBLIC_URL, messageId: event.deliveryId, retried })) }
    case 'sonuslab':
      return {
        ...base,
        'x-sonuslab-signature': await signTimestampedHmac({ body: event.body, secret: devSecret }),
        'x-sonuslab-delivery': event.deliveryId,
      }
    case 'uploadcare':
      return { ...base, 'x-uc-signature': await signUploadcare({ body: event.body, secret: devSecret }) }
    case 'standard-webhooks':
      return { ...base, ...(await signStandardWebhooks({ body: event.body, secret: devStandardWebhooksSecret, id: event.deliveryId })) }
  }
}
