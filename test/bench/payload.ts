// The benchmark's delivery: an UploadKit `onUploadComplete` body padded to exactly 1 KiB.

/** Size every benchmark body has, in bytes. */
export const BODY_BYTES = 1024

/** Path every benchmark server serves the webhook on. */
export const WEBHOOK_PATH = '/api/webhooks/upload'

/**
 * A 1 KiB `onUploadComplete` body (the shape in the UploadKit fixture) whose file ID is `n`,
 * so a pool of bodies differs the way real deliveries do. Padding sits in `metadata.note`.
 */
export function uploadBody(n: number): string {
  const id = `file_${n.toString(36).padStart(8, '0')}`
  const event = {
    event: 'onUploadComplete',
    file: {
      id,
      key: `uploads/${id}/photo.jpg`,
      url: `https://cdn.uploadkit.dev/uploads/${id}/photo.jpg`,
      fileName: 'photo.jpg',
      fileSize: 1048576,
      contentType: 'image/jpeg',
      status: 'UPLOADED',
      createdAt: '2026-04-08T12:00:00.000Z',
    },
    metadata: { userId: 'user_123', category: 'avatar', note: '' },
  }
  const bare = Buffer.byteLength(JSON.stringify(event))
  if (bare > BODY_BYTES) throw new Error(`uploadBody(): the unpadded body is already ${bare} bytes`)
  event.metadata.note = 'x'.repeat(BODY_BYTES - bare)
  return JSON.stringify(event)
}
