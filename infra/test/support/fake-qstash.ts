import { HttpResponse, http } from 'msw'

export const QSTASH_TEST_URL = 'https://qstash.test'
export const QSTASH_TEST_TOKEN = 'qstash-test-token'

export interface RecordedCall {
  method: string
  path: string
  body: unknown
}

/**
 * An in-memory QStash (URL groups and signing keys) shaped like the REST API v2, as msw
 * handlers. `failNext` makes the next matching call answer with an error status.
 */
export function createFakeQStash(baseUrl = QSTASH_TEST_URL) {
  const topics = new Map<string, { name: string; url: string }[]>()
  const keys = { current: 'sig_current_1', next: 'sig_next_1' }
  const calls: RecordedCall[] = []
  let failure: { status: number; body: string; method?: string } | undefined
  let rotations = 0

  async function guard(request: Request, path: string) {
    const text = await request.text()
    const body = text ? (JSON.parse(text) as unknown) : undefined
    calls.push({ method: request.method, path, body })
    if (request.headers.get('authorization') !== `Bearer ${QSTASH_TEST_TOKEN}`) {
      return { error: HttpResponse.json({ error: 'invalid token' }, { status: 401 }), body }
    }
    if (failure && (!failure.method || failure.method === request.method)) {
      const f = failure
      failure = undefined
      return { error: new HttpResponse(f.body, { status: f.status }), body }
    }
    return { body }
  }

  const handlers = [
    http.post(`${baseUrl}/v2/topics/:name/endpoints`, async ({ request, params }) => {
      const name = String(params.name)
      const { error, body } = await guard(request, `/v2/topics/${name}/endpoints`)
      if (error) return error
      const list = topics.get(name) ?? []
      for (const e of (body as { endpoints: { name?: string; url: string }[] }).endpoints) {
        const i = list.findIndex((x) => x.url === e.url)
        const entry = { name: e.name ?? '', url: e.url }
        if (i >= 0) list[i] = entry
        else list.push(entry)
      }
      topics.set(name, list)
      return new HttpResponse(null, { status: 200 })
    }),
    http.delete(`${baseUrl}/v2/topics/:name/endpoints`, async ({ request, params }) => {
      const name = String(params.name)
      const { error, body } = await guard(request, `/v2/topics/${name}/endpoints`)
      if (error) return error
      const list = topics.get(name)
      if (!list) return HttpResponse.json({ error: `topic ${name} not found` }, { status: 404 })
      const gone = new Set((body as { endpoints: { url: string }[] }).endpoints.map((e) => e.url))
      const left = list.filter((e) => !gone.has(e.url))
      // Like QStash: a group whose last endpoint is removed is deleted.
      if (left.length === 0) topics.delete(name)
      else topics.set(name, left)
      return new HttpResponse(null, { status: 200 })
    }),
    http.get(`${baseUrl}/v2/topics/:name`, async ({ request, params }) => {
      const name = String(params.name)
      const { error } = await guard(request, `/v2/topics/${name}`)
      if (error) return error
      const list = topics.get(name)
      if (!list) return HttpResponse.json({ error: `topic ${name} not found` }, { status: 404 })
      return HttpResponse.json({ name, createdAt: 1, updatedAt: 2, endpoints: list })
    }),
    http.delete(`${baseUrl}/v2/topics/:name`, async ({ request, params }) => {
      const name = String(params.name)
      const { error } = await guard(request, `/v2/topics/${name}`)
      if (error) return error
      if (!topics.delete(name)) return HttpResponse.json({ error: `topic ${name} not found` }, { status: 404 })
      return new HttpResponse(null, { status: 200 })
    }),
    http.get(`${baseUrl}/v2/keys`, async ({ request }) => {
      const { error } = await guard(request, '/v2/keys')
      if (error) return error
      return HttpResponse.json({ ...keys })
    }),
    http.post(`${baseUrl}/v2/keys/rotate`, async ({ request }) => {
      const { error } = await guard(request, '/v2/keys/rotate')
      if (error) return error
      rotations++
      keys.current = keys.next
      keys.next = `sig_next_${rotations + 1}`
      return HttpResponse.json({ ...keys })
    }),
  ]

  return {
    handlers,
    topics,
    keys,
    calls,
    get rotations() {
      return rotations
    },
    /** The next call (optionally only with this method) answers `status` with `body`. */
    failNext(status: number, body = '', method?: string) {
      failure = { status, body, ...(method ? { method } : {}) }
    },
    reset() {
      topics.clear()
      calls.length = 0
      failure = undefined
      rotations = 0
      keys.current = 'sig_current_1'
      keys.next = 'sig_next_1'
    },
  }
}
