// Helpers every sender's decoder shares: building an event from a payload, and the field
// readers behind the normalised `UploadedFile`. No sender-specific knowledge lives here.
import type { GenericEvent, UploadedFile } from './types.js'

export type Json = Record<string, unknown>

/**
 * `{ ...payload, type, sender: '', file? }`. The leading literal property keeps V8 off the slow
 * path it takes when properties follow a spread-first literal; the spread still copies the
 * sender's keys as plain data (`__proto__` included), which Object.assign would not.
 */
export function withType(payload: Json, type: string, file: UploadedFile | undefined, extra?: Json): GenericEvent {
  const event: Json = { type, ...payload }
  event['type'] = type
  event['sender'] = ''
  if (file) event['file'] = file
  if (extra) Object.assign(event, extra) // our own fields: no setters involved
  return event as unknown as GenericEvent
}

export const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value)
export const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)
export const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)

/** A file ID as text: a non-empty string, or a number spelled out; undefined otherwise. */
export const fileIdOf = (id: unknown): string | undefined => str(id) ?? (typeof id === 'number' ? String(id) : undefined)

/** A normalised file, or undefined when the sender gave it no ID. */
export function uploadedFile(id: unknown, fields: Omit<UploadedFile, 'id'>): UploadedFile | undefined {
  const fileId = fileIdOf(id)
  return fileId === undefined ? undefined : { id: fileId, ...fields }
}

/** `{ file: {...} }` inside a `data` object (Sonuslab, Standard Webhooks senders). */
export function dataFile(data: unknown): UploadedFile | undefined {
  if (!isObject(data)) return undefined
  const file = isObject(data['file']) ? data['file'] : undefined
  if (!file) return undefined
  return uploadedFile(file['id'], {
    key: str(file['key']),
    url: str(file['url']),
    name: str(file['name']) ?? str(file['fileName']),
    size: num(file['size']) ?? num(file['fileSize']),
    contentType: str(file['contentType']) ?? str(file['mimeType']),
    uploadedAt: str(file['uploadedAt']) ?? str(file['createdAt']),
    metadata: isObject(file['metadata']) ? file['metadata'] : {},
  })
}

/** The decoder for custom verifiers without `toEvent`: the body's string `type`. */
export function typeFieldEvent(payload: Json): GenericEvent | undefined {
  const type = str(payload['type'])
  return type === undefined ? undefined : withType(payload, type, dataFile(payload['data']))
}
