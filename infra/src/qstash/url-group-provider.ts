import type * as pulumi from '@pulumi/pulumi'
import { isQStashApiError, qstashRequest } from './http.js'

/** One endpoint of a URL group, as the QStash API names it. */
export interface UrlGroupEndpoint {
  /** Optional endpoint name, shown in the QStash console and in DLQ entries. */
  name?: string
  url: string
}

/** Resolved inputs of the URL group dynamic resource. */
export interface UrlGroupInputs {
  /** URL group (topic) name: letters, digits, `_`, `-`, `.`. */
  name: string
  /** QStash REST base URL for the token's region. */
  baseUrl: string
  /** QStash token of that region (secret). */
  token: string
  endpoints: UrlGroupEndpoint[]
}

/** State kept for the URL group: the inputs as applied. */
export type UrlGroupOutputs = UrlGroupInputs

interface TopicResponse {
  name: string
  endpoints?: UrlGroupEndpoint[]
}

const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/

/** Sorted by URL, names dropped when empty, so state and diffs do not depend on config order. */
function normaliseEndpoints(endpoints: UrlGroupEndpoint[] | undefined): UrlGroupEndpoint[] {
  return (endpoints ?? [])
    .map((e) => (e.name ? { name: e.name, url: e.url } : { url: e.url }))
    .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))
}

/**
 * What to send to go from `olds` to `news`. QStash identifies an endpoint by its URL and its
 * name is a label, so a new URL or a new name on a known URL is an upsert (POST), and only a
 * URL that is no longer wanted is removed (DELETE by URL). A rename must never be a removal:
 * that would delete the endpoint, and the whole group when it was the only one.
 */
export function diffEndpoints(
  olds: UrlGroupEndpoint[] | undefined,
  news: UrlGroupEndpoint[] | undefined,
): { upserted: UrlGroupEndpoint[]; removed: UrlGroupEndpoint[] } {
  const oldNameByUrl = new Map(normaliseEndpoints(olds).map((e) => [e.url, e.name ?? ''] as const))
  const newUrls = new Set(normaliseEndpoints(news).map((e) => e.url))
  return {
    upserted: normaliseEndpoints(news).filter((e) => oldNameByUrl.get(e.url) !== (e.name ?? '')),
    removed: normaliseEndpoints(olds).filter((e) => !newUrls.has(e.url)),
  }
}

function topicPath(name: string): string {
  return `/v2/topics/${encodeURIComponent(name)}`
}

/**
 * CRUD for a QStash URL group over the REST API v2. The whole object (and everything it
 * references) is serialised into the stack state, hence no imports beyond `./http.js`.
 */
export const urlGroupProvider: pulumi.dynamic.ResourceProvider<UrlGroupInputs, UrlGroupOutputs> = {
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = []
    if (!news.name || !NAME_PATTERN.test(news.name)) {
      failures.push({ property: 'name', reason: 'URL group names may only contain letters, digits, "_", "-" and "."' })
    }
    if (!news.endpoints || news.endpoints.length === 0) {
      failures.push({ property: 'endpoints', reason: 'a URL group needs at least one endpoint (QStash deletes empty groups)' })
    }
    const urls = new Set<string>()
    for (const e of news.endpoints ?? []) {
      if (!/^https:\/\//.test(e.url)) failures.push({ property: 'endpoints', reason: `endpoint ${e.url} must be an https:// URL` })
      if (urls.has(e.url))
        failures.push({ property: 'endpoints', reason: `endpoint ${e.url} is listed twice (QStash keys endpoints by URL)` })
      urls.add(e.url)
    }
    if (!news.token) failures.push({ property: 'token', reason: 'a QStash token is required' })
    return { inputs: { ...news, endpoints: normaliseEndpoints(news.endpoints) }, failures }
  },

  async diff(_id, olds, news) {
    const replaces: string[] = []
    // A different name or region is a different URL group: create the new one, then delete the old.
    if (olds.name !== news.name) replaces.push('name')
    if (olds.baseUrl !== news.baseUrl) replaces.push('baseUrl')
    const { upserted, removed } = diffEndpoints(olds.endpoints, news.endpoints)
    const endpointsChanged = upserted.length > 0 || removed.length > 0
    const tokenChanged = olds.token !== news.token
    return {
      changes: replaces.length > 0 || endpointsChanged || tokenChanged,
      replaces,
      stables: [],
      deleteBeforeReplace: false,
    }
  },

  async create(inputs) {
    const endpoints = normaliseEndpoints(inputs.endpoints)
    // POST creates the group if needed and adds endpoints.
    await qstashRequest({
      operation: `create URL group "${inputs.name}"`,
      baseUrl: inputs.baseUrl,
      token: inputs.token,
      method: 'POST',
      path: `${topicPath(inputs.name)}/endpoints`,
      body: { endpoints },
    })
    return { id: inputs.name, outs: { ...inputs, endpoints } }
  },

  async read(id, props) {
    if (!props) return { id, props }
    try {
      const topic = await qstashRequest<TopicResponse>({
        operation: `read URL group "${id}"`,
        baseUrl: props.baseUrl,
        token: props.token,
        method: 'GET',
        path: topicPath(id),
      })
      return { id, props: { ...props, name: topic.name, endpoints: normaliseEndpoints(topic.endpoints) } }
    } catch (err) {
      // Gone (e.g. deleted in the console): an empty id tells Pulumi to drop it from state.
      if (isQStashApiError(err) && err.status === 404) return { id: '', props }
      throw err
    }
  },

  async update(_id, olds, news) {
    const { upserted, removed } = diffEndpoints(olds.endpoints, news.endpoints)
    const base = { baseUrl: news.baseUrl, token: news.token }
    // Upsert before removing: QStash deletes a URL group whose last endpoint is removed.
    if (upserted.length > 0) {
      await qstashRequest({
        ...base,
        operation: `add or rename endpoints of URL group "${news.name}"`,
        method: 'POST',
        path: `${topicPath(news.name)}/endpoints`,
        body: { endpoints: upserted },
      })
    }
    if (removed.length > 0) {
      await qstashRequest({
        ...base,
        operation: `remove endpoints from URL group "${news.name}"`,
        method: 'DELETE',
        path: `${topicPath(news.name)}/endpoints`,
        body: { endpoints: removed.map((e) => ({ url: e.url })) },
      })
    }
    return { outs: { ...news, endpoints: normaliseEndpoints(news.endpoints) } }
  },

  async delete(id, props) {
    try {
      await qstashRequest({
        operation: `delete URL group "${id}"`,
        baseUrl: props.baseUrl,
        token: props.token,
        method: 'DELETE',
        path: topicPath(id),
      })
    } catch (err) {
      // Already gone is the state we wanted.
      if (isQStashApiError(err) && err.status === 404) return
      throw err
    }
  },
}
