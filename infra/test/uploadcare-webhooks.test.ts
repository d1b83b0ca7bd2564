import * as pulumi from '@pulumi/pulumi'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { UploadcareWebhooks } from '../src/uploadcare-webhooks.js'
import { installMocks, ofType, outputValue, type RecordedResource, settleTree } from './support/pulumi-mocks.js'

let recorded: RecordedResource[] = []
beforeAll(() => {
  recorded = installMocks()
})
beforeEach(() => {
  recorded.length = 0
})

const TARGET = 'https://app.example.com/api/webhooks/upload'
const args = { publicKey: 'pub', secretKey: 'sec', targetUrl: TARGET }
const WEBHOOK = 'pulumi-nodejs:dynamic/uploadcare:Webhook'
const PASSWORD = 'random:index/randomPassword:RandomPassword'

async function settle(c: UploadcareWebhooks): Promise<void> {
  await settleTree(c)
  await Promise.all(c.subscriptions.map((s) => outputValue(s.urn)))
}

describe('UploadcareWebhooks', () => {
  it('subscribes the target URL to file.uploaded by default, signed, with a generated 32-character secret', async () => {
    const c = new UploadcareWebhooks('uc', args)
    await settle(c)
    expect(recorded.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      `${WEBHOOK} uc-file.uploaded`,
      `${PASSWORD} uc-signing-secret`,
      'upload-webhooks:index:UploadcareWebhooks uc',
    ])
    expect(ofType(recorded, PASSWORD)[0]?.inputs).toEqual({ length: 32, special: false })
    expect(ofType(recorded, WEBHOOK)[0]?.inputs).toMatchObject({
      baseUrl: 'https://api.uploadcare.com',
      publicKey: 'pub',
      secretKey: 'sec',
      auth: 'signed',
      targetUrl: TARGET,
      event: 'file.uploaded',
      isActive: true,
      version: '0.7',
      signingSecret: 'uploadcare-signing-secret-mock-32',
    })
  })

  it('one subscription per event, all with the same secret; keys and secret stay secret', async () => {
    const c = new UploadcareWebhooks('uc', { ...args, events: ['file.uploaded', 'file.infected'], auth: 'simple' })
    await settle(c)
    const hooks = ofType(recorded, WEBHOOK)
    expect(hooks.map((h) => h.inputs.event).sort()).toEqual(['file.infected', 'file.uploaded'])
    for (const h of hooks) {
      expect(h.inputs).toMatchObject({ auth: 'simple', signingSecret: 'uploadcare-signing-secret-mock-32' })
      expect(h.secretInputs).toEqual(expect.arrayContaining(['secretKey', 'signingSecret']))
    }
    expect(await pulumi.isSecret(c.signingSecret)).toBe(true)
    expect(await outputValue(c.signingSecret)).toBe('uploadcare-signing-secret-mock-32')
  })

  it('a rotation trigger becomes a keeper of the secret', async () => {
    await settle(new UploadcareWebhooks('uc', { ...args, rotateSigningSecret: '2026-12' }))
    expect(ofType(recorded, PASSWORD)[0]?.inputs).toEqual({ length: 32, special: false, keepers: { rotate: '2026-12' } })
  })

  it('rejects bad options at construction, naming the fix', () => {
    expect(() => new UploadcareWebhooks('bad1', { ...args, events: [] })).toThrow(/events is empty\. Fix: pick from file\.uploaded/)
    expect(() => new UploadcareWebhooks('bad2', { ...args, events: ['file.exploded' as never] })).toThrow(
      /"file\.exploded" is not an Uploadcare webhook event/,
    )
    expect(() => new UploadcareWebhooks('bad3', { ...args, events: ['file.stored', 'file.stored'] })).toThrow(/twice/)
    expect(() => new UploadcareWebhooks('bad4', { ...args, auth: 'basic' as never })).toThrow(/auth is "basic"/)
  })
})
