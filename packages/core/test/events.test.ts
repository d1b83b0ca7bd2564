import { decodeQStashEvent, decodeStandardWebhooksEvent, decodeTimestampedHmacEvent, decodeUploadcareEvent } from '@upload-webhooks/core'
import { describe, expect, it } from 'vitest'
import { fixture, QSTASH_FAILURE, SONUSLAB, UPLOADCARE_06, UPLOADCARE_07, UPLOADKIT } from './fixtures.js'

describe('event decoding', () => {
  it("UploadKit onUploadComplete: normalised file next to the sender's own fields, metadata kept", () => {
    const event = decodeQStashEvent(fixture(UPLOADKIT)) as any
    expect(event.type).toBe('onUploadComplete')
    expect(event.file).toMatchObject({
      id: 'file_abc123',
      key: 'uploads/abc123/photo.jpg',
      url: 'https://cdn.uploadkit.dev/uploads/abc123/photo.jpg',
      name: 'photo.jpg',
      size: 1048576,
      contentType: 'image/jpeg',
      uploadedAt: '2026-04-08T12:00:00.000Z',
      metadata: { userId: 'user_123', category: 'avatar' },
      fileName: 'photo.jpg',
      status: 'UPLOADED',
    })
    expect(event.metadata).toEqual({ userId: 'user_123', category: 'avatar' })
  })

  it("UploadKit: the sender's file is copied, not changed, and its __proto__ key stays a plain field", () => {
    const payload = JSON.parse(
      '{"event":"onUploadComplete","file":{"id":7,"fileName":"a.txt","__proto__":{"polluted":true}},"metadata":{"userId":"u"}}',
    )
    const sent = JSON.stringify(payload)
    const event = decodeQStashEvent(payload) as any
    expect(JSON.stringify(payload)).toBe(sent)
    expect(event.file).not.toBe(payload.file)
    expect(Object.getPrototypeOf(event.file)).toBe(Object.prototype)
    expect(event.file.polluted).toBeUndefined()
    expect(Object.hasOwn(event.file, '__proto__')).toBe(true)
    expect(event.file).toMatchObject({ id: '7', name: 'a.txt', fileName: 'a.txt', metadata: { userId: 'u' } })
  })

  it('Sonuslab upload.completed', () => {
    const event = decodeTimestampedHmacEvent(fixture(SONUSLAB)) as any
    expect(event.type).toBe('upload.completed')
    expect(event.file).toEqual({
      id: 'f_01HZX3K9',
      key: 'apps/demo/uploads/f_01HZX3K9/track.wav',
      url: undefined,
      name: 'track.wav',
      size: 5242880,
      contentType: 'audio/wav',
      uploadedAt: undefined,
      metadata: {},
    })
    expect(event.data.file.name).toBe('track.wav')
  })

  it('Uploadcare 0.6 and 0.7 payloads, type from hook.event, the CDN URL as file.url', () => {
    const v06 = decodeUploadcareEvent(fixture(UPLOADCARE_06)) as any
    expect(v06.type).toBe('file.uploaded')
    expect(v06.file).toMatchObject({
      id: 'daff9fd4-9bd4-472e-a41a-438f1de41d02',
      name: '001.jpeg',
      size: 910059,
      contentType: 'image/jpeg',
      url: undefined,
    })
    const v07 = decodeUploadcareEvent(fixture(UPLOADCARE_07)) as any
    expect(v07.type).toBe('file.uploaded')
    expect(v07.hook.version).toBe('0.7')
    expect(v07.file).toMatchObject({
      id: '620ff227-eb36-460f-a809-8ba1ea98b1f3',
      url: 'https://ucarecdn.com/620ff227-eb36-460f-a809-8ba1ea98b1f3/eicarcom2.zip',
      name: 'eicarcom2.zip',
      size: 308,
      contentType: 'application/zip',
      uploadedAt: '2023-01-18T13:01:24.64201Z',
    })
    expect(v07.data.appdata.uc_clamav_virus_scan.data.infected).toBe(true)
    const infected = decodeUploadcareEvent({
      ...fixture(UPLOADCARE_07),
      hook: { ...(fixture(UPLOADCARE_07).hook as object), event: 'file.infected' },
    }) as any
    expect(infected.type).toBe('file.infected')
  })

  it('QStash failure callback: qstash.failure with both base64 bodies decoded', () => {
    const event = decodeQStashEvent(fixture(QSTASH_FAILURE)) as any
    expect(event.type).toBe('qstash.failure')
    expect(event.bodyText).toBe('{"error":"transient"}')
    expect(JSON.parse(event.sourceBodyText)).toEqual({ event: 'onUploadComplete', file: { id: 'file_abc123' } })
    expect(event).toMatchObject({ status: 500, retried: 3, maxRetries: 3, dlqId: '1725323658779-0', topicName: 'uploads' })
  })

  it('QStash success callback: qstash.callback; a plain QStash message goes through the normal decoder', () => {
    const { dlqId: _, ...rest } = fixture(QSTASH_FAILURE)
    expect((decodeQStashEvent({ ...rest, status: 200 }) as any).type).toBe('qstash.callback')
    expect((decodeQStashEvent({ ...rest, status: 200, dlqId: 'x' }) as any).type).toBe('qstash.failure')
    expect((decodeQStashEvent(fixture(UPLOADKIT)) as any).type).toBe('onUploadComplete')
  })

  it('Standard Webhooks type, and no event type at all', () => {
    const event = decodeStandardWebhooksEvent({ type: 'upload.created', timestamp: 't', data: { file: { id: 7, name: 'x' } } }) as any
    expect(event.type).toBe('upload.created')
    expect(event.file).toMatchObject({ id: '7', name: 'x' })
    expect(decodeStandardWebhooksEvent({ hello: 'world' })).toBeUndefined()
    expect(decodeTimestampedHmacEvent({ event: 42 })).toBeUndefined()
  })
})
