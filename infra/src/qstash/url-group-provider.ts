import type * as pulumi from '@pulumi/pulumi'
import { QStashApiError, qstashRequest } from './http.js'

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

/** Stable identity of an endpoint: QStash matches endpoints by URL, the name is a label on it. */
function endpointKey(e: UrlGroupEndpoint): string {
  return `${e.url}\u0000${e.name ?? ''}`
}

function normaliseEndpoints(endpoints: UrlGroupEndpoint[] | undefined): UrlGroupEndpoint[] {
  return (endpoints ?? [])
    .map((e) => (e.name ? { name: e.name, url: e.url } : { url: e.url }))
    .sort((a, b) => endpointKey(a).localeCompare(endpointKey(b)))
}

/** Endpoints to add and to remove to go from `olds` to `news`. */
export function diffEndpoints(
  olds: UrlGroupEndpoint[] | undefined,
  news: UrlGroupEndpoint[] | undefined,
): { added: UrlGroupEndpoint[]; removed: UrlGroupEndpoint[] } {
  const oldKeys = new Set(normaliseEndpoints(olds).map(endpointKey))
  const newKeys = new Set(normaliseEndpoints(news).map(endpointKey))
  return {
    added: normaliseEndpoints(news).filter((e) => !oldKeys.has(endpointKey(e))),
    removed: normaliseEndpoints(olds).filter((e) => !newKeys.has(endpointKey(e))),
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
    for (const e of news.endpoints ?? []) {
      if (!/^https:\/\//.test(e.url)) failures.push({ property: 'endpoints', reason: `endpoint ${e.url} must be an https:// URL` })
    }
    if (!news.token) failures.push({ property: 'token', reason: 'a QStash token is required' })
    return { inputs: { ...news, endpoints: normaliseEndpoints(news.endpoints) }, failures }
  },

  async diff(_id, olds, news) {
    const replaces: string[] = []
    // A different name or region is a different URL group: create the new one, then delete the old.
    if (olds.name !== news.name) replaces.push('name')
    if (olds.baseUrl !== news.baseUrl) replaces.push('baseUrl')
    const { added, removed } = diffEndpoints(olds.endpoints, news.endpoints)
    const endpointsChanged = added.length > 0 || removed.length > 0
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
        baseUrl: props.baseUrl,
        token: props.token,
        method: 'GET',
        path: topicPath(id),
      })
      return { id, props: { ...props, name: topic.name, endpoints: normaliseEndpoints(topic.endpoints) } }
    } catch (err) {
      // Gone (e.g. deleted in the console): an empty id tells Pulumi to drop it from state.
      if (err instanceof QStashApiError && err.status === 404) return { id: '', props }
      throw err
    }
  },

  async update(_id, olds, news) {
    const { added, removed } = diffEndpoints(olds.endpoints, news.endpoints)
    const base = { baseUrl: news.baseUrl, token: news.token }
    // Add before removing: QStash deletes a URL group whose last endpoint is removed.
    if (added.length > 0) {
      await qstashRequest({ ...base, method: 'POST', path: `${topicPath(news.name)}/endpoints`, body: { endpoints: added } })
    }
    if (removed.length > 0) {
      await qstashRequest({
        ...base,
        method: 'DELETE',
        path: `${topicPath(news.name)}/endpoints`,
        body: { endpoints: removed.map((e) => ({ url: e.url })) },
      })
    }
    return { outs: { ...news, endpoints: normaliseEndpoints(news.endpoints) } }
  },

  async delete(id, props) {
    try {
      await qstashRequest({ baseUrl: props.baseUrl, token: props.token, method: 'DELETE', path: topicPath(id) })
    } catch (err) {
      // Already gone is the state we wanted.
      if (err instanceof QStashApiError && err.status === 404) return
      throw err
    }
  },
}
