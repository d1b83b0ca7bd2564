import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../src/config.js'

const valid: Record<string, string> = {
  accountId: '0123456789abcdef0123456789abcdef',
  qstashToken: 'qstash-token',
  webhookUrls: '["https://app.example.com/api/webhooks/upload", "https://staging.example.com/hook"]',
  allowedOrigins: '["https://app.example.com"]',
  alertWebhookUrl: 'https://hooks.slack.com/services/T/B/X',
}
const parseWith = (uploadcare: unknown) =>
  parseConfig(
    (k) => (k === 'uploadcare' ? (typeof uploadcare === 'string' ? uploadcare : JSON.stringify(uploadcare)) : valid[k]),
    'upload-webhooks',
    'dev',
  )

function messageOf(uploadcare: unknown): string {
  try {
    parseWith(uploadcare)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('stack config: uploadcare (opt-in)', () => {
  it('is absent unless configured', () => {
    expect(parseConfig((k) => valid[k], 'upload-webhooks', 'dev').uploadcare).toBeUndefined()
  })

  it('defaults: file.uploaded, signed auth, the first webhook URL as target', () => {
    expect(parseWith({ publicKey: 'pub', secretKey: 'sec' }).uploadcare).toEqual({
      publicKey: 'pub',
      secretKey: 'sec',
      events: ['file.uploaded'],
      targetUrl: 'https://app.example.com/api/webhooks/upload',
      auth: 'signed',
    })
  })

  it('takes events, a target URL and simple auth', () => {
    const parsed = parseWith({
      publicKey: 'pub',
      secretKey: 'sec',
      events: ['file.uploaded', 'file.info_updated'],
      targetUrl: 'https://uc.example.com/hook',
      auth: 'simple',
    })
    expect(parsed.uploadcare).toMatchObject({
      events: ['file.uploaded', 'file.info_updated'],
      targetUrl: 'https://uc.example.com/hook',
      auth: 'simple',
    })
  })

  it('names the key and the --path command for every mistake, secrets with --secret', () => {
    expect(messageOf({ secretKey: 'sec' })).toBe(
      'Config upload-webhooks:uploadcare.publicKey is missing (the project’s public key). Fix: pulumi config set --path upload-webhooks:uploadcare.publicKey <public-key>',
    )
    expect(messageOf({ publicKey: 'pub' })).toMatch(
      /uploadcare\.secretKey is missing .* Fix: pulumi config set --secret --path upload-webhooks:uploadcare\.secretKey/,
    )
    expect(messageOf({ publicKey: 'pub', secretKey: 'sec', events: ['file.exploded'] })).toMatch(
      /uploadcare\.events holds "file\.exploded", not an Uploadcare event\. Fix: .*one of file\.uploaded, file\.infected/,
    )
    expect(messageOf({ publicKey: 'pub', secretKey: 'sec', events: [] })).toMatch(/uploadcare\.events must be a non-empty list/)
    expect(messageOf({ publicKey: 'pub', secretKey: 'sec', events: ['file.stored', 'file.stored'] })).toMatch(/twice/)
    expect(messageOf({ publicKey: 'pub', secretKey: 'sec', targetUrl: 'http://plain.example.com' })).toMatch(
      /uploadcare\.targetUrl is "http:\/\/plain\.example\.com", not an https:\/\/ URL/,
    )
    expect(messageOf({ publicKey: 'pub', secretKey: 'sec', auth: 'basic' })).toMatch(/uploadcare\.auth is "basic"/)
    expect(messageOf('"just a string"')).toMatch(/^Config upload-webhooks:uploadcare is not an object\. Fix: pulumi config rm/)
  })
})
