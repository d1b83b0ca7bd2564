/**
 * The base every event shares, as handlers see it. Each event keeps the fields its sender wrote
 * and adds `type` (the handler key) and `sender` (the verifier's name); upload events replace
 * `file` with one normalised `UploadedFile` (keeping the sender's own file fields alongside), so
 * one handler can serve every sender. Each sender's own event types live in its module under
 * senders/; senders/registry.ts gathers them into `KnownEvents` and `WebhookEvent`. This file
 * imports nothing, so the verifier contract does not depend on any sender.
 */

/** One uploaded file, the same shape whichever sender reported it. */
export interface UploadedFile {
  id: string
  /** Object key in the bucket, when the sender reports one. */
  key: string | undefined
  /** Public or CDN URL, when the sender reports one. */
  url: string | undefined
  /** Original file name. */
  name: string | undefined
  /** Size in bytes. */
  size: number | undefined
  contentType: string | undefined
  /** ISO-8601 time the upload completed, when reported. */
  uploadedAt: string | undefined
  /** Sender- or app-supplied metadata (never undefined). */
  metadata: Record<string, unknown>
}

export interface EventBase<T extends string> {
  /** The event type, exactly as the sender wrote it; the handler key. */
  type: T
  /** Name of the verifier that accepted the delivery (`qstash`, `uploadcare`, ...). */
  sender: string
}

/** Any other JSON event: an unknown type, or one a custom verifier produces. */
export interface GenericEvent extends EventBase<string> {
  file?: UploadedFile
  [field: string]: unknown
}
