import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LocalQStash } from '../local/qstash.js'
import { isQStashApiError } from '../src/qstash/http.js'
import { urlGroupProvider as provider, type UrlGroupInputs } from '../src/qstash/url-group-provider.js'

const QSTASH_TEST_TOKEN = 'qstash-test-token'
const qstash = new LocalQStash({ token: QSTASH_TEST_TOKEN, signingKeys: { current: 'sig_current_1', next: 'sig_next_1' }, deliver: false })
let baseUrl: string
beforeAll(async () => {
  baseUrl = await qstash.listen()
})
afterEach(() => qstash.reset())
afterAll(() => qstash.close())

const inputs = (over: Partial<UrlGroupInputs> = {}): UrlGroupInputs => ({
  name: 'uploads',
  baseUrl,
  token: QSTASH_TEST_TOKEN,
  endpoints: [{ url: 'https://a.example.com/hook' }, { name: 'b', url: 'https://b.example.com/hook' }],
  ...over,
})

describe('QStash URL group provider', () => {
  it('create upserts the group with its endpoints and returns the name as id', async () => {
    const res = await provider.create(inputs())
    expect(res.id).toBe('uploads')
    expect(qstash.topics.get('uploads')).toEqual([
      { name: '', url: 'https://a.example.com/hook' },
      { name: 'b', url: 'https://b.example.com/hook' },
    ])
    expect(qstash.calls).toEqual([
      {
        method: 'POST',
        path: '/v2/topics/uploads/endpoints',
        body: { endpoints: [{ url: 'https://a.example.com/hook' }, { name: 'b', url: 'https://b.example.com/hook' }] },
      },
    ])
  })

  it('diff: same endpoints in another order is no change', async () => {
    const olds = inputs()
    const news = inputs({ endpoints: [...olds.endpoints].reverse() })
    expect(await provider.diff!('uploads', olds, news)).toMatchObject({ changes: false, replaces: [] })
  })

  it('diff: an added or removed endpoint is an in-place update', async () => {
    const added = inputs({ endpoints: [...inputs().endpoints, { url: 'https://c.example.com/hook' }] })
    expect(await provider.diff!('uploads', inputs(), added)).toMatchObject({ changes: true, replaces: [] })
    const removed = inputs({ endpoints: [{ url: 'https://a.example.com/hook' }] })
    expect(await provider.diff!('uploads', inputs(), removed)).toMatchObject({ changes: true, replaces: [] })
  })

  it('diff: a rename or another region replaces the group', async () => {
    expect(await provider.diff!('uploads', inputs(), inputs({ name: 'uploads-v2' }))).toMatchObject({ changes: true, replaces: ['name'] })
    expect(await provider.diff!('uploads', inputs(), inputs({ baseUrl: 'https://qstash-us-east-1.upstash.io' }))).toMatchObject({
      changes: true,
      replaces: ['baseUrl'],
    })
  })

  it('diff: a new token is an update without replacement', async () => {
    expect(await provider.diff!('uploads', inputs(), inputs({ token: 'other' }))).toMatchObject({ changes: true, replaces: [] })
  })

  it('diff: renaming an endpoint (same URL) is an in-place update, not a replacement', async () => {
    const renamed = inputs({ endpoints: [{ url: 'https://a.example.com/hook' }, { name: 'b-renamed', url: 'https://b.example.com/hook' }] })
    expect(await provider.diff!('uploads', inputs(), renamed)).toMatchObject({ changes: true, replaces: [] })
  })

  it('update: a rename upserts the endpoint by URL and removes nothing, even for the only endpoint', async () => {
    const olds = inputs({ endpoints: [{ name: 'app', url: 'https://a.example.com/hook' }] })
    await provider.create(olds)
    qstash.calls.length = 0
    const news = inputs({ endpoints: [{ name: 'app-v2', url: 'https://a.example.com/hook' }] })
    const res = await provider.update!('uploads', olds, news)
    expect(qstash.calls).toEqual([
      {
        method: 'POST',
        path: '/v2/topics/uploads/endpoints',
        body: { endpoints: [{ name: 'app-v2', url: 'https://a.example.com/hook' }] },
      },
    ])
    expect(qstash.topics.get('uploads')).toEqual([{ name: 'app-v2', url: 'https://a.example.com/hook' }])
    expect(res.outs?.endpoints).toEqual(news.endpoints)
  })

  it('update: dropping a name is an upsert without the name', async () => {
    await provider.create(inputs())
    qstash.calls.length = 0
    await provider.update!(
      'uploads',
      inputs(),
      inputs({ endpoints: [{ url: 'https://a.example.com/hook' }, { url: 'https://b.example.com/hook' }] }),
    )
    expect(qstash.calls.map((c) => `${c.method} ${JSON.stringify(c.body)}`)).toEqual([
      'POST {"endpoints":[{"url":"https://b.example.com/hook"}]}',
    ])
    expect(qstash.topics.get('uploads')).toEqual([
      { name: '', url: 'https://a.example.com/hook' },
      { name: '', url: 'https://b.example.com/hook' },
    ])
  })

  it('update: an added endpoint is only added, a removed one only removed, a reorder does nothing', async () => {
    await provider.create(inputs())
    qstash.calls.length = 0
    const three = inputs({ endpoints: [...inputs().endpoints, { url: 'https://c.example.com/hook' }] })
    await provider.update!('uploads', inputs(), three)
    expect(qstash.calls.map((c) => `${c.method} ${JSON.stringify(c.body)}`)).toEqual([
      'POST {"endpoints":[{"url":"https://c.example.com/hook"}]}',
    ])

    qstash.calls.length = 0
    await provider.update!('uploads', three, inputs())
    expect(qstash.calls.map((c) => `${c.method} ${JSON.stringify(c.body)}`)).toEqual([
      'DELETE {"endpoints":[{"url":"https://c.example.com/hook"}]}',
    ])

    qstash.calls.length = 0
    await provider.update!('uploads', inputs(), inputs({ endpoints: [...inputs().endpoints].reverse() }))
    expect(qstash.calls).toEqual([])
    expect(qstash.topics.get('uploads')).toEqual([
      { name: '', url: 'https://a.example.com/hook' },
      { name: 'b', url: 'https://b.example.com/hook' },
    ])
  })

  it('update adds new endpoints before removing old ones, so the group never empties', async () => {
    await provider.create(inputs({ endpoints: [{ url: 'https://old.example.com/hook' }] }))
    qstash.calls.length = 0
    const olds = inputs({ endpoints: [{ url: 'https://old.example.com/hook' }] })
    const news = inputs({ endpoints: [{ url: 'https://new.example.com/hook' }] })
    const res = await provider.update!('uploads', olds, news)
    expect(qstash.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /v2/topics/uploads/endpoints',
      'DELETE /v2/topics/uploads/endpoints',
    ])
    expect(qstash.calls[1]?.body).toEqual({ endpoints: [{ url: 'https://old.example.com/hook' }] })
    expect(qstash.topics.get('uploads')).toEqual([{ name: '', url: 'https://new.example.com/hook' }])
    expect(res.outs?.endpoints).toEqual([{ url: 'https://new.example.com/hook' }])
  })

  it('update with only a new token makes no API call', async () => {
    await provider.update!('uploads', inputs({ token: 'old-token' }), inputs())
    expect(qstash.calls).toEqual([])
  })

  it('read refreshes endpoints from QStash and reports a deleted group as gone', async () => {
    await provider.create(inputs())
    qstash.topics.set('uploads', [{ name: '', url: 'https://drifted.example.com/hook' }])
    const read = await provider.read!('uploads', inputs())
    expect(read.props?.endpoints).toEqual([{ url: 'https://drifted.example.com/hook' }])
    qstash.topics.delete('uploads')
    expect((await provider.read!('uploads', inputs())).id).toBe('')
  })

  it('delete removes the group, and tolerates one that is already gone', async () => {
    await provider.create(inputs())
    await provider.delete!('uploads', inputs())
    expect(qstash.topics.has('uploads')).toBe(false)
    await expect(provider.delete!('uploads', inputs())).resolves.toBeUndefined()
  })

  it('check rejects non-https endpoints, bad names and an empty list', async () => {
    const res = await provider.check!(inputs(), inputs({ name: 'bad name!', endpoints: [{ url: 'http://insecure.example.com' }] }))
    expect(res.failures?.map((f) => f.property).sort()).toEqual(['endpoints', 'name'])
    const twice = await provider.check!(
      inputs(),
      inputs({ endpoints: [{ url: 'https://a.example.com' }, { name: 'x', url: 'https://a.example.com' }] }),
    )
    expect(twice.failures).toEqual([expect.objectContaining({ property: 'endpoints', reason: expect.stringContaining('listed twice') })])
    const empty = await provider.check!(inputs(), inputs({ endpoints: [] }))
    expect(empty.failures).toEqual([expect.objectContaining({ property: 'endpoints' })])
    expect((await provider.check!(inputs(), inputs())).failures).toEqual([])
  })

  it('a 401 becomes an error naming the token and region config, without leaking the token', async () => {
    const err = await provider.create(inputs({ token: 'wrong-token' })).catch((e: unknown) => e)
    expect(isQStashApiError(err) && err.status).toBe(401)
    expect((err as Error).message).toMatch(/create URL group "uploads" failed \(POST \/v2\/topics\/uploads\/endpoints answered HTTP 401/)
    expect((err as Error).message).toMatch(/upload-webhooks:qstashToken.*qstashRegion/)
    expect((err as Error).message).not.toContain('wrong-token')
  })

  it('a 4xx body and a 5xx status are surfaced as clear errors', async () => {
    qstash.failNext(400, '{"error":"invalid endpoint url"}')
    await expect(provider.create(inputs())).rejects.toThrow(/HTTP 400: \{"error":"invalid endpoint url"\}\)\. Fix: QStash rejected/)
    qstash.failNext(503, 'upstream unavailable', 'DELETE')
    await expect(provider.delete!('uploads', inputs())).rejects.toThrow(/HTTP 503.*QStash is failing/)
  })

  it('a failing add during update stops before anything is removed', async () => {
    await provider.create(inputs({ endpoints: [{ url: 'https://old.example.com/hook' }] }))
    qstash.calls.length = 0
    qstash.failNext(500, 'boom', 'POST')
    await expect(
      provider.update!(
        'uploads',
        inputs({ endpoints: [{ url: 'https://old.example.com/hook' }] }),
        inputs({ endpoints: [{ url: 'https://new.example.com/hook' }] }),
      ),
    ).rejects.toThrow(/HTTP 500/)
    expect(qstash.calls.map((c) => c.method)).toEqual(['POST'])
    expect(qstash.topics.get('uploads')).toEqual([{ name: '', url: 'https://old.example.com/hook' }])
  })
})
