// Distinct upload events, one sender format each, signed per attempt by the sender's own signer
// from core's registry: a sender added there is covered here once it has a body format below.
import { type SenderId, senderById, senders } from '@upload-webhooks/core/testing'
import { PUBLIC_URL } from './constants.js'

export type SenderKind = SenderId
/** Every sender in core's registry, in registry order. */
export const SENDER_KINDS: readonly SenderKind[] = senders.map((sender) => sender.id)

export interface EventSpec {
  /** Normalised `event.file.id`: the handler's effect key. */
  fileId: string
  kind: SenderKind
  /** Exact body text; every copy and retry of this event sends these bytes. */
  body: string
  /** Delivery ID for the sender's ID header (QStash message ID, X-Sonuslab-Delivery, webhook-id); unused where the ID is the body's hash. */
  deliveryId: string
}

interface BodyFormat {
  /** The event type the reliability handlers are registered for. */
  type: string
  /** A body of this sender's format: `type` where the sender writes it, the file under `fileId`. */
  body(type: string, fileId: string, seq: number): Record<string, unknown>
}

const fileFields = (fileId: string, seq: number) => ({
  key: `uploads/${fileId}.jpg`,
  url: `https://files.example.test/uploads/${fileId}.jpg`,
  name: `${fileId}.jpg`,
  size: 1000 + seq,
  createdAt: new Date(1_750_000_000_000 + seq * 1000).toISOString(),
})

/**
 * Each sender's body format. A Record over the registry's IDs, so a new sender is a type error
 * here until it has one. Standard Webhooks uses a type no shipped sender claims: a typed event of
 * another sender is ignored for it (docs/architecture.md, "Who may reach a handler").
 */
export const BODY_FORMATS: Record<SenderKind, BodyFormat> = {
  qstash: {
    type: 'onUploadComplete',
    body: (type, fileId, seq) => {
      const f = fileFields(fileId, seq)
      return {
        event: type,
        file: {
          id: fileId,
          key: f.key,
          url: f.url,
          fileName: f.name,
          fileSize: f.size,
          contentType: 'image/jpeg',
          status: 'uploaded',
          createdAt: f.createdAt,
        },
        metadata: { seq },
      }
    },
  },
  sonuslab: {
    type: 'upload.completed',
    body: (type, fileId, seq) => {
      const f = fileFields(fileId, seq)
      return {
        event: type,
        data: { file: { id: fileId, key: f.key, name: f.name, size: f.size, contentType: 'image/jpeg', uploadedAt: f.createdAt } },
      }
    },
  },
  uploadcare: {
    type: 'file.uploaded',
    body: (type, fileId, seq) => {
      const f = fileFields(fileId, seq)
      return {
        hook: { id: seq, project_id: 1, target: PUBLIC_URL, event: type, is_active: true, created_at: f.createdAt },
        data: {
          uuid: fileId,
          original_filename: f.name,
          size: f.size,
          mime_type: 'image/jpeg',
          datetime_uploaded: f.createdAt,
          metadata: {},
        },
        file: `https://ucarecdn.com/${fileId}/`,
      }
    },
  },
  'standard-webhooks': {
    type: 'upload.created',
    body: (type, fileId, seq) => {
      const f = fileFields(fileId, seq)
      return {
        type,
        timestamp: f.createdAt,
        data: { file: { id: fileId, key: f.key, name: f.name, size: f.size, contentType: 'image/jpeg' } },
      }
    },
  },
  cloudinary: {
    type: 'upload',
    body: (type, fileId, seq) => {
      const f = fileFields(fileId, seq)
      return {
        notification_type: type,
        public_id: fileId,
        secure_url: f.url,
        bytes: f.size,
        format: 'jpg',
        resource_type: 'image',
        original_filename: fileId,
        created_at: f.createdAt,
        version: 1_750_000_000 + seq,
      }
    },
  },
}

/** The event types the reliability handlers record an effect for, one per sender. */
export const HANDLED_TYPES: readonly string[] = [...new Set(SENDER_KINDS.map((kind) => BODY_FORMATS[kind].type))]

/** `count` distinct events cycling through the registry's senders; ids start with `scenario`. */
export function makeEvents(scenario: string, count: number): EventSpec[] {
  return Array.from({ length: count }, (_, seq) => {
    const kind = SENDER_KINDS[seq % SENDER_KINDS.length]!
    const fileId = `${scenario}-${seq}`
    const format = BODY_FORMATS[kind]
    return {
      fileId,
      kind,
      body: JSON.stringify(format.body(format.type, fileId, seq)),
      deliveryId: `${kind === 'qstash' ? 'msg' : 'dlv'}_${scenario}_${seq}`,
    }
  })
}

export interface SignOptions {
  /** Delivery ID to sign with. Default: the event's. */
  deliveryId?: string
  /** Secret or signing key. Default: the sender's dev key. */
  secret?: string
  /** Signing time, unix seconds. Default: now. */
  now?: number
}

/** Headers of `body` sent as `kind` would send it, signed now by the sender's registry signer. */
export async function signBody(
  kind: SenderKind,
  body: string | Uint8Array,
  deliveryId: string,
  options: Omit<SignOptions, 'deliveryId'> = {},
): Promise<Record<string, string>> {
  const sender = senderById(kind)
  if (!sender) throw new Error(`no sender ${kind} in core's registry`)
  const signed = await sender.sign({ body, url: PUBLIC_URL, deliveryId, ...options })
  return { 'content-type': 'application/json', ...signed }
}

/** Headers of one attempt, signed now: every retry is re-signed, as QStash and the timestamped senders do. */
export function signAttempt(event: EventSpec, options: SignOptions = {}): Promise<Record<string, string>> {
  const { deliveryId = event.deliveryId, ...rest } = options
  return signBody(event.kind, event.body, deliveryId, rest)
}
