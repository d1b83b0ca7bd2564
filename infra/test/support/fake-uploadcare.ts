import { createHash, createHmac } from 'node:crypto'
import { HttpResponse, http } from 'msw'

export const UPLOADCARE_TEST_URL = 'https://api.uploadcare.test'
export const UPLOADCARE_TEST_PUBLIC_KEY = 'demopublickey'
export const UPLOADCARE_TEST_SECRET_KEY = 'demosecretkey'

export interface FakeWebhook {
  id: number
  project: number
  created: string
  updated: string
  event: string
  target_url: string
  is_active: boolean
  version: string
  signing_secret: string | null
}

/** Checks either auth scheme the REST API accepts, the way the reference describes them. */
function authorised(request: Request, body: string): boolean {
  const header = request.headers.get('authorization') ?? ''
  if (header === `Uploadcare.Simple ${UPLOADCARE_TEST_PUBLIC_KEY}:${UPLOADCARE_TEST_SECRET_KEY}`) return true
  const date = request.headers.get('x-uploadcare-date')
  if (!header.startsWith(`Uploadcare ${UPLOADCARE_TEST_PUBLIC_KEY}:`) || !date) return false
  const signString = [
    request.method,
    createHash('md5').update(body).digest('hex'),
    request.headers.get('content-type') ?? '',
    date,
    new URL(request.url).pathname,
  ].join('\n')
  return header.endsWith(`:${createHmac('sha1', UPLOADCARE_TEST_SECRET_KEY).update(signString).digest('hex')}`)
}

/**
 * An in-memory Uploadcare project's webhooks, shaped like REST API v0.7, as msw handlers.
 * Unsubscribe is keyed by target URL, as documented: it removes every event of that URL unless
 * `unsubscribeHonoursEvent` is set.
 */
export function createFakeUploadcare(baseUrl = UPLOADCARE_TEST_URL) {
  const hooks: FakeWebhook[] = []
  const calls: { method: string; path: string; form: Record<string, string>; auth: string }[] = []
  const state = { nextId: 1, unsubscribeHonoursEvent: false }
  let failure: { status: number; body: string; method?: string } | undefined

  async function guard(request: Request) {
    const text = await request.text()
    const form = Object.fromEntries(new URLSearchParams(text))
    const path = new URL(request.url).pathname
    calls.push({ method: request.method, path, form, auth: (request.headers.get('authorization') ?? '').split(' ')[0] ?? '' })
    if (request.headers.get('accept') !== 'application/vnd.uploadcare-v0.7+json') {
      return { error: HttpResponse.json({ detail: 'Incorrect Accept header provided.' }, { status: 406 }), form }
    }
    if (!authorised(request, text))
      return { error: HttpResponse.json({ detail: 'Incorrect authentication credentials.' }, { status: 401 }), form }
    if (failure && (!failure.method || failure.method === request.method)) {
      const f = failure
      failure = undefined
      return { error: new HttpResponse(f.body, { status: f.status }), form }
    }
    return { form }
  }

  const now = () => '2026-11-30T12:00:00.000000Z'
  const handlers = [
    http.get(`${baseUrl}/webhooks/`, async ({ request }) => {
      const { error } = await guard(request)
      return error ?? HttpResponse.json(hooks)
    }),
    http.post(`${baseUrl}/webhooks/`, async ({ request }) => {
      const { error, form } = await guard(request)
      if (error) return error
      if (hooks.some((h) => h.target_url === form.target_url && h.event === form.event)) {
        return HttpResponse.json({ detail: 'A webhook with this target_url and event already exists.' }, { status: 400 })
      }
      const hook: FakeWebhook = {
        id: state.nextId++,
        project: 13,
        created: now(),
        updated: now(),
        event: form.event ?? 'file.uploaded',
        target_url: form.target_url ?? '',
        is_active: form.is_active !== 'false',
        version: form.version ?? '0.7',
        signing_secret: form.signing_secret ?? null,
      }
      hooks.push(hook)
      return HttpResponse.json(hook, { status: 201 })
    }),
    http.put(`${baseUrl}/webhooks/:id/`, async ({ request, params }) => {
      const { error, form } = await guard(request)
      if (error) return error
      const hook = hooks.find((h) => h.id === Number(params.id))
      if (!hook) return HttpResponse.json({ detail: 'Not found.' }, { status: 404 })
      if (form.target_url !== undefined) hook.target_url = form.target_url
      if (form.event !== undefined) hook.event = form.event
      if (form.is_active !== undefined) hook.is_active = form.is_active !== 'false'
      if (form.signing_secret !== undefined) hook.signing_secret = form.signing_secret
      hook.updated = now()
      return HttpResponse.json(hook)
    }),
    http.delete(`${baseUrl}/webhooks/unsubscribe/`, async ({ request }) => {
      const { error, form } = await guard(request)
      if (error) return error
      const gone = (h: FakeWebhook) => h.target_url === form.target_url && (!state.unsubscribeHonoursEvent || h.event === form.event)
      if (!hooks.some(gone)) return HttpResponse.json({ detail: 'Not found.' }, { status: 404 })
      const left = hooks.filter((h) => !gone(h))
      hooks.splice(0, hooks.length, ...left)
      return new HttpResponse(null, { status: 204 })
    }),
  ]

  return {
    handlers,
    hooks,
    calls,
    state,
    /** Adds a subscription as if made in the dashboard. */
    seed(hook: Partial<FakeWebhook> & Pick<FakeWebhook, 'target_url' | 'event'>): FakeWebhook {
      const full: FakeWebhook = {
        id: state.nextId++,
        project: 13,
        created: now(),
        updated: now(),
        is_active: true,
        version: '0.7',
        signing_secret: null,
        ...hook,
      }
      hooks.push(full)
      return full
    },
    /** The next call (optionally only with this method) answers `status` with `body`. */
    failNext(status: number, body = '', method?: string) {
      failure = { status, body, ...(method ? { method } : {}) }
    },
    reset() {
      hooks.length = 0
      calls.length = 0
      failure = undefined
      state.nextId = 1
      state.unsubscribeHonoursEvent = false
    },
  }
}
