import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LocalQStash } from '../local/qstash.js'
import { signingKeysProvider as provider, type SigningKeysInputs, type SigningKeysOutputs } from '../src/qstash/signing-keys-provider.js'

const QSTASH_TEST_TOKEN = 'qstash-test-token'
const qstash = new LocalQStash({ token: QSTASH_TEST_TOKEN, signingKeys: { current: 'sig_current_1', next: 'sig_next_1' }, deliver: false })
let baseUrl: string
beforeAll(async () => {
  baseUrl = await qstash.listen()
})
afterEach(() => qstash.reset())
afterAll(() => qstash.close())

const inputs = (over: Partial<SigningKeysInputs> = {}): SigningKeysInputs => ({
  baseUrl,
  token: QSTASH_TEST_TOKEN,
  rotate: '',
  ...over,
})

describe('QStash signing keys provider', () => {
  it('create reads the current keys and never rotates, even with a trigger set', async () => {
    const res = await provider.create(inputs({ rotate: '2026-11' }))
    expect(res.outs).toMatchObject({ current: 'sig_current_1', next: 'sig_next_1', rotate: '2026-11' })
    expect(qstash.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v2/keys'])
    expect(qstash.rotations).toBe(0)
  })

  it('diff: a new rotate value or token is an update; another region replaces', async () => {
    const olds = { ...inputs(), current: 'c', next: 'n' } satisfies SigningKeysOutputs
    expect(await provider.diff!('k', olds, inputs())).toMatchObject({ changes: false, replaces: [] })
    expect(await provider.diff!('k', olds, inputs({ rotate: '1' }))).toMatchObject({ changes: true, replaces: [] })
    expect(await provider.diff!('k', olds, inputs({ token: 'other' }))).toMatchObject({ changes: true, replaces: [] })
    expect(await provider.diff!('k', olds, inputs({ baseUrl: 'https://elsewhere.test' }))).toMatchObject({
      changes: true,
      replaces: ['baseUrl'],
    })
  })

  it('update with a new trigger rotates once: next becomes current', async () => {
    const olds = (await provider.create(inputs())).outs!
    const res = await provider.update!('k', olds, inputs({ rotate: 'r1' }))
    expect(qstash.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v2/keys', 'POST /v2/keys/rotate'])
    expect(res.outs).toMatchObject({ current: 'sig_next_1', next: 'sig_next_2', rotate: 'r1' })
    // Same trigger again (e.g. a token change): read, do not rotate a second time.
    const again = await provider.update!('k', res.outs!, inputs({ rotate: 'r1', token: QSTASH_TEST_TOKEN }))
    expect(qstash.rotations).toBe(1)
    expect(again.outs).toMatchObject({ current: 'sig_next_1', next: 'sig_next_2' })
  })

  it('clearing the trigger does not rotate', async () => {
    const olds = { ...inputs({ rotate: 'r1' }), current: 'c', next: 'n' }
    await provider.update!('k', olds, inputs({ rotate: '' }))
    expect(qstash.rotations).toBe(0)
  })

  it('read picks up keys rotated elsewhere', async () => {
    const olds = (await provider.create(inputs())).outs!
    qstash.keys.current = 'rotated-in-console'
    expect((await provider.read!('k', olds)).props).toMatchObject({ current: 'rotated-in-console' })
  })

  it('delete makes no API call (keys live as long as the account)', async () => {
    await provider.delete!('k', { ...inputs(), current: 'c', next: 'n' })
    expect(qstash.calls).toEqual([])
  })

  it('4xx and 5xx answers become clear errors; a keyless answer is rejected', async () => {
    await expect(provider.create(inputs({ token: 'nope' }))).rejects.toThrow(
      /read signing keys failed \(GET \/v2\/keys answered HTTP 401.*qstashToken/,
    )
    qstash.failNext(500, 'internal error')
    await expect(provider.create(inputs())).rejects.toThrow(/HTTP 500: internal error/)
    qstash.failNext(200, '{}')
    await expect(provider.create(inputs())).rejects.toThrow(/without "current" and "next"/)
  })
})
