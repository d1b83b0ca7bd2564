import { describe, expect, it } from 'vitest'
import { parseUploadEventsConfig } from '../src/config-upload-events.js'

const fail = (key: string, problem: string, fix: string): never => {
  throw new Error(`Config ${key} ${problem}. Fix: ${fix}`)
}
const parse = (value: unknown) => parseUploadEventsConfig(value === undefined ? undefined : JSON.stringify(value), 'upload-webhooks', fail)

describe('uploadEvents stack config', () => {
  it('is on with the defaults when unset', () => {
    expect(parse(undefined)).toEqual({ batchSize: 10, maxRetries: 5 })
  })

  it('is off when enabled is false (as --path sets it, boolean or string)', () => {
    expect(parse({ enabled: false })).toBe(false)
    expect(parse({ enabled: 'false', prefix: 'ignored/' })).toBe(false)
  })

  it('takes filters, the public base URL, the failure callback, batch size and retries', () => {
    expect(
      parse({
        enabled: true,
        prefix: 'uploads/',
        suffix: '.png',
        publicBaseUrl: 'https://files.example.com',
        failureCallbackUrl: 'https://app.example.com/api/webhooks/upload',
        batchSize: '25',
        maxRetries: 0,
      }),
    ).toEqual({
      prefix: 'uploads/',
      suffix: '.png',
      publicBaseUrl: 'https://files.example.com',
      failureCallbackUrl: 'https://app.example.com/api/webhooks/upload',
      batchSize: 25,
      maxRetries: 0,
    })
  })

  it.each([
    [[1], 'Config upload-webhooks:uploadEvents is not an object'],
    [{ enabeld: false }, 'Config upload-webhooks:uploadEvents.enabeld is not a setting'],
    [
      { enabled: 'no' },
      'uploadEvents.enabled is "no", not true or false. Fix: pulumi config set --path upload-webhooks:uploadEvents.enabled false',
    ],
    [{ prefix: '' }, 'uploadEvents.prefix is "", not a non-empty string'],
    [{ publicBaseUrl: 'http://files.example.com' }, 'uploadEvents.publicBaseUrl is "http://files.example.com", not an https:// URL'],
    [{ failureCallbackUrl: 'app.example.com' }, 'uploadEvents.failureCallbackUrl is "app.example.com", not an https:// URL'],
    [
      { batchSize: 500 },
      'uploadEvents.batchSize is 500, not a whole number from 1 to 100. Fix: pulumi config set --path upload-webhooks:uploadEvents.batchSize 10',
    ],
    [{ maxRetries: 'many' }, 'uploadEvents.maxRetries is "many", not a whole number from 0 to 100'],
  ])('refuses %j with the key and the fix', (value, message) => {
    expect(() => parse(value)).toThrow(message)
  })

  it('refuses config that is not JSON', () => {
    expect(() => parseUploadEventsConfig('{oops', 'upload-webhooks', fail)).toThrow('uploadEvents is not an object')
  })
})
