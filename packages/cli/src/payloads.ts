// Default bodies for `send`, one per sender and event (shaped like test/fixtures/), `--data` merged over them.
import { readFileSync } from 'node:fs'
import { CliError } from './output.js'
import { type SenderName, senderModule } from './senders.js'

type Json = Record<string, unknown>

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  zip: 'application/zip',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
}

/** An UploadKit file whose key, URL and content type follow its name, so `--data` can rename it alone. */
const uploadKitFile = (fileName = 'photo.jpg') => ({
  id: 'file_cli_1',
  key: `uploads/cli_1/${fileName}`,
  url: `https://cdn.uploadkit.dev/uploads/cli_1/${encodeURIComponent(fileName)}`,
  fileName,
  fileSize: 1048576,
  contentType: CONTENT_TYPES[fileName.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream',
  status: 'UPLOADED',
  createdAt: '2026-04-08T12:00:00.000Z',
})

const storageFile = {
  id: 'f_cli_1',
  key: 'apps/demo/uploads/f_cli_1/track.wav',
  name: 'track.wav',
  size: 5242880,
  contentType: 'audio/wav',
}

const uploadcareFileInfo = {
  uuid: '620ff227-eb36-460f-a809-8ba1ea98b1f3',
  mime_type: 'image/jpeg',
  original_filename: 'photo.jpg',
  size: 910059,
  is_image: true,
  is_ready: true,
  metadata: {},
  url: 'https://api.uploadcare.com/files/620ff227-eb36-460f-a809-8ba1ea98b1f3/',
  original_file_url: 'https://ucarecdn.com/620ff227-eb36-460f-a809-8ba1ea98b1f3/photo.jpg',
  datetime_uploaded: '2026-04-08T12:00:00.000Z',
  datetime_stored: '2026-04-08T12:00:00.100Z',
  datetime_removed: null,
}

const uploadcareHook = (event: string) => ({
  id: 1446695,
  project_id: 42797,
  project_pub_key: '3a8b234aef4a1d339b88',
  target: 'https://example.com/api/webhooks/upload',
  event,
  is_active: true,
  version: '0.7',
  created_at: '2026-01-18T10:34:05.246676Z',
  updated_at: '2026-01-18T10:34:05.246676Z',
})

/** `--data`'s `file.fileName`, when it is a string: the default file is then made for that name. */
const fileNameIn = (data: Json | undefined): string | undefined => {
  const file = data?.['file']
  const name = isObject(file) ? file['fileName'] : undefined
  return typeof name === 'string' && name !== '' ? name : undefined
}

/** Payloads for the events each sender documents (given `--data`); any other event reuses the sender's first one. */
const defaults: Partial<Record<SenderName, Record<string, (data?: Json) => Json>>> = {
  qstash: {
    onUploadComplete: (data) => ({
      event: 'onUploadComplete',
      file: uploadKitFile(fileNameIn(data)),
      metadata: { userId: 'user_123', category: 'avatar' },
    }),
    // QStash's failure callback: its type comes from `sourceMessageId`, not from a field.
    'qstash.failure': () => ({
      status: 500,
      header: { 'Content-Type': ['application/json'] },
      body: Buffer.from('{"error":"transient"}').toString('base64'),
      retried: 3,
      maxRetries: 3,
      dlqId: '1725323658779-0',
      sourceMessageId: 'msg_cli_gave_up_after_3_retries',
      url: 'https://example.com/api/webhooks/upload',
      method: 'POST',
      sourceHeader: { 'Content-Type': ['application/json'] },
      sourceBody: Buffer.from(JSON.stringify({ event: 'onUploadComplete', file: { id: 'file_cli_1' } })).toString('base64'),
    }),
  },
  sonuslab: {
    'upload.completed': () => ({ event: 'upload.completed', data: { file: storageFile } }),
  },
  uploadcare: {
    'file.uploaded': () => ({
      hook: uploadcareHook('file.uploaded'),
      data: uploadcareFileInfo,
      file: uploadcareFileInfo.original_file_url,
    }),
    'file.infected': () => ({
      hook: uploadcareHook('file.infected'),
      data: {
        ...uploadcareFileInfo,
        appdata: { uc_clamav_virus_scan: { data: { infected: true, infected_with: 'Win.Test.EICAR_HDB-1' }, version: '0.105.1' } },
      },
      file: uploadcareFileInfo.original_file_url,
    }),
  },
  'standard-webhooks': {
    'upload.completed': () => ({ type: 'upload.completed', timestamp: new Date().toISOString(), data: { file: storageFile } }),
  },
  cloudinary: {
    upload: () => ({
      notification_type: 'upload',
      timestamp: Math.floor(Date.now() / 1000),
      asset_id: '3515c6000a548515f1134043f9785c2f',
      public_id: 'samples/photo',
      version: 1712577600,
      resource_type: 'image',
      type: 'upload',
      format: 'jpg',
      bytes: 1048576,
      width: 1920,
      height: 1080,
      secure_url: 'https://res.cloudinary.com/demo/image/upload/v1712577600/samples/photo.jpg',
      created_at: '2026-04-08T12:00:00Z',
    }),
  },
}

/** Event types with a sample body here, else the types the sender's module declares. */
export const knownEvents = (sender: SenderName): string[] =>
  Object.keys(defaults[sender] ?? {}).length > 0 ? Object.keys(defaults[sender]!) : [...senderModule(sender).events]

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value)

/** Objects merge key by key; anything else (arrays, strings, null) replaces. */
export function deepMerge(base: Json, over: Json): Json {
  const merged: Json = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key]
    merged[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value
  }
  return merged
}

/** Sets the event type at a dotted path (`event`, `hook.event`), keeping what else is there. */
function setEventType(payload: Json, field: string, event: string): Json {
  const [head, ...rest] = field.split('.')
  if (rest.length === 0) return { ...payload, [head!]: event }
  const inner = payload[head!]
  return { ...payload, [head!]: setEventType(isObject(inner) ? inner : {}, rest.join('.'), event) }
}

/** Parses `--data`: inline JSON, or `@path` to a JSON file. */
export function readData(data: string): Json {
  let text = data
  if (data.startsWith('@')) {
    try {
      text = readFileSync(data.slice(1), 'utf8')
    } catch (error) {
      throw new CliError(`cannot read --data file ${data.slice(1)}: ${(error as Error).message}`, 'pass --data @<path to a JSON file>')
    }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new CliError(
      `--data is not valid JSON: ${(error as Error).message}`,
      `quote it for your shell, e.g. --data '{"file":{"fileName":"a.png"}}'`,
    )
  }
  if (!isObject(parsed)) throw new CliError('--data must be a JSON object', `e.g. --data '{"metadata":{"userId":"u_1"}}'`)
  return parsed
}

/**
 * The body `send` posts: the sender's payload for `event` (its type field set to `event`), `data`
 * merged over it. A QStash `file.fileName` in `data` also renames the default file's key and URL and
 * sets its content type, unless `data` gives those too.
 */
export function buildPayload(sender: SenderName, event: string, data?: Json): Json {
  const samples = defaults[sender] ?? {}
  const known = samples[event]
  // A sender without samples here (one added to core later) still gets a body its decoder reads.
  const first = Object.values(samples)[0]
  const payload = known ? known(data) : setEventType(first ? first(data) : {}, senderModule(sender).eventTypeField, event)
  return data ? deepMerge(payload, data) : payload
}

/** The body of the doctor probe: just the event type and a nonce (Uploadcare's delivery ID is the body hash). */
export function probePayload(sender: SenderName, event: string): Json {
  return setEventType(
    { probe: { by: 'upload-webhooks doctor', nonce: crypto.randomUUID(), sentAt: new Date().toISOString() } },
    senderModule(sender).eventTypeField,
    event,
  )
}
