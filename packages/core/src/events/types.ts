/**
 * Event types, as handlers see them. Each event keeps the fields its sender wrote and adds
 * `type` (the handler key) and `sender` (the verifier's name); upload events replace `file`
 * with one normalised `UploadedFile` (keeping the sender's own file fields alongside), so one
 * handler can serve every sender.
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

interface EventBase<T extends string> {
  /** The event type, exactly as the sender wrote it; the handler key. */
  type: T
  /** Name of the verifier that accepted the delivery (`qstash`, `uploadcare`, ...). */
  sender: string
}

// ── UploadKit through QStash ────────────────────────────────────────────────
export interface UploadKitFile {
  id: string
  key: string
  url: string
  fileName: string
  fileSize: number
  contentType: string
  status: string
  createdAt: string
}

export interface UploadKitUploadCompleteEvent extends EventBase<'onUploadComplete'> {
  event: 'onUploadComplete'
  file: UploadedFile & UploadKitFile
  metadata: Record<string, unknown>
}

// ── Sonuslab storage (Stripe-style signature) ────────────────────────────────
export interface SonuslabFile {
  id: string
  key: string
  name: string
  size: number
  contentType: string
  [field: string]: unknown
}

export interface SonuslabUploadCompletedEvent extends EventBase<'upload.completed'> {
  event: 'upload.completed'
  data: { file: SonuslabFile; [field: string]: unknown }
  file: UploadedFile
}

// ── Uploadcare (webhook payload versions 0.6 and 0.7) ───────────────────────
export interface UploadcareHook {
  id: number
  project_id: number
  /** Present from payload version 0.7. */
  project_pub_key?: string
  target: string
  event: string
  is_active: boolean
  /** Payload version (`"0.7"`); absent on 0.6 payloads. */
  version?: string
  created_at: string
  updated_at: string
}

export interface UploadcareVirusScan {
  data: { infected: boolean; infected_with?: string }
  datetime_created?: string
  datetime_updated?: string
  version?: string
}

export interface UploadcareFileInfo {
  uuid: string
  mime_type: string
  original_filename: string
  size: number
  is_image: boolean
  is_ready: boolean
  url: string
  original_file_url: string
  datetime_uploaded: string | null
  datetime_stored: string | null
  datetime_removed: string | null
  /** 0.7: `appdata.uc_clamav_virus_scan` carries the virus-scan verdict. */
  appdata?: { uc_clamav_virus_scan?: UploadcareVirusScan; [app: string]: unknown }
  metadata?: Record<string, unknown>
  /** 0.6 only. */
  image_info?: Record<string, unknown> | null
  /** 0.6 only. */
  video_info?: Record<string, unknown> | null
  /** 0.7 only. */
  content_info?: Record<string, unknown> | null
  [field: string]: unknown
}

export interface UploadcareEvent<T extends 'file.uploaded' | 'file.infected' | (string & {}) = string> extends EventBase<T> {
  hook: UploadcareHook
  data: UploadcareFileInfo
  /** Normalised file; the payload's own `file` (a CDN URL string) is `file.url`. */
  file: UploadedFile
  /** Payload hash field of 0.6 payloads. */
  payload_hash?: string
}

// ── QStash callbacks and failure callbacks ──────────────────────────────────
export interface QStashCallbackEvent<T extends 'qstash.callback' | 'qstash.failure' = 'qstash.callback' | 'qstash.failure'>
  extends EventBase<T> {
  /** HTTP status the destination answered the source message with. */
  status: number
  sourceMessageId: string
  /** The destination URL of the source message. */
  url: string
  topicName?: string
  endpointName?: string
  method?: string
  /** Response headers of the destination. */
  header: Record<string, string[]>
  /** The destination's response body, base64 as QStash sends it. */
  body: string
  /** `body` decoded as UTF-8. */
  bodyText: string
  /** The original message body, base64 as QStash sends it. */
  sourceBody: string
  /** `sourceBody` decoded as UTF-8. */
  sourceBodyText: string
  sourceHeader?: Record<string, string[]>
  retried: number
  maxRetries: number
  /** Set when the source message went to the dead-letter queue. */
  dlqId?: string
}

// ── Standard Webhooks ───────────────────────────────────────────────────────
export interface StandardWebhookEvent<T extends string = string> extends EventBase<T> {
  timestamp: string
  data: Record<string, unknown>
  /** Normalised file when `data.file` (or `data` itself) describes one. */
  file?: UploadedFile
}

/** Any other JSON event a custom verifier produces. */
export interface GenericEvent extends EventBase<string> {
  file?: UploadedFile
  [field: string]: unknown
}

/** Event types with built-in typed payloads, keyed by handler name. */
export interface KnownEvents {
  onUploadComplete: UploadKitUploadCompleteEvent
  'upload.completed': SonuslabUploadCompletedEvent
  'file.uploaded': UploadcareEvent<'file.uploaded'>
  'file.infected': UploadcareEvent<'file.infected'>
  'qstash.callback': QStashCallbackEvent<'qstash.callback'>
  'qstash.failure': QStashCallbackEvent<'qstash.failure'>
}

export type WebhookEvent = KnownEvents[keyof KnownEvents] | StandardWebhookEvent | GenericEvent
