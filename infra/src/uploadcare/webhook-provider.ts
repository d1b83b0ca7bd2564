import type * as pulumi from '@pulumi/pulumi'
import { isUploadcareApiError, type UploadcareAuth, type UploadcareRequest, uploadcareRequest } from './http.js'

/** Webhook events of the Uploadcare REST API v0.7. `file.infected` is deprecated in favour of `file.info_updated`. */
export const UPLOADCARE_EVENTS = ['file.uploaded', 'file.infected', 'file.stored', 'file.deleted', 'file.info_updated'] as const
export type UploadcareEvent = (typeof UPLOADCARE_EVENTS)[number]

/** Payload versions the API accepts for a subscription. */
const PAYLOAD_VERSIONS = ['0.7']

/** Resolved inputs of one subscription: one target URL for one event. */
export interface UploadcareWebhookInputs {
  /** REST API base URL. */
  baseUrl: string
  publicKey: string
  /** Secret API key (secret). */
  secretKey: string
  auth: UploadcareAuth
  targetUrl: string
  event: UploadcareEvent
  isActive: boolean
  /** Payload version. */
  version: string
  /** HMAC-SHA256 secret Uploadcare signs deliveries with (`X-Uc-Signature`); at most 32 characters (secret). */
  signingSecret: string
}

/** State: the inputs plus what Uploadcare assigned. */
export interface UploadcareWebhookOutputs extends UploadcareWebhookInputs {
  webhookId: number
  project: number
}

/** One subscription as the API lists it. */
interface ApiWebhook {
  id: number
  project: number
  event: string
  target_url: string
  is_active: boolean
  version: string
  signing_secret?: string | null
}

type Credentials = Pick<UploadcareWebhookInputs, 'baseUrl' | 'publicKey' | 'secretKey' | 'auth'>

function call<T>(creds: Credentials, req: Omit<UploadcareRequest, keyof Credentials>): Promise<T> {
  return uploadcareRequest<T>({ baseUrl: creds.baseUrl, publicKey: creds.publicKey, secretKey: creds.secretKey, auth: creds.auth, ...req })
}

async function listWebhooks(creds: Credentials, operation: string): Promise<ApiWebhook[]> {
  const body = await call<ApiWebhook[] | { results?: ApiWebhook[] } | undefined>(creds, { operation, method: 'GET', path: '/webhooks/' })
  return Array.isArray(body) ? body : (body?.results ?? [])
}

function describe(s: Pick<UploadcareWebhookInputs, 'targetUrl' | 'event'>): string {
  return `the ${s.event} webhook to ${s.targetUrl}`
}

/** Form fields for create/update; booleans as the API's form encoding expects. */
function form(s: UploadcareWebhookInputs, withVersion: boolean): Record<string, string> {
  return {
    target_url: s.targetUrl,
    event: s.event,
    is_active: String(s.isActive),
    signing_secret: s.signingSecret,
    ...(withVersion ? { version: s.version } : {}),
  }
}

function outputs(s: UploadcareWebhookInputs, hook: ApiWebhook): UploadcareWebhookOutputs {
  return { ...s, webhookId: hook.id, project: hook.project }
}

/** The subscription for (target URL, event): the API allows at most one per project. */
function findSubscription(hooks: ApiWebhook[], s: Pick<UploadcareWebhookInputs, 'targetUrl' | 'event'>): ApiWebhook | undefined {
  return hooks.find((h) => h.target_url === s.targetUrl && h.event === s.event)
}

function differs(hook: ApiWebhook, s: UploadcareWebhookInputs): boolean {
  return hook.is_active !== s.isActive || (hook.signing_secret ?? '') !== s.signingSecret
}

/**
 * Uploadcare webhook subscriptions (REST API v0.7). A subscription is identified by its target
 * URL and event, which the API keeps unique per project, so the resource id is `event target`
 * and every call looks the numeric id up again: an existing identical subscription is adopted
 * instead of failing, and one re-created by hand keeps working.
 */
export const uploadcareWebhookProvider: pulumi.dynamic.ResourceProvider<UploadcareWebhookInputs, UploadcareWebhookOutputs> = {
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = []
    if (!/^https:\/\/\S+$/.test(news.targetUrl ?? '') || news.targetUrl.length > 255) {
      failures.push({ property: 'targetUrl', reason: `target URL ${news.targetUrl} must be an https:// URL of at most 255 characters` })
    }
    if (!(UPLOADCARE_EVENTS as readonly string[]).includes(news.event)) {
      failures.push({ property: 'event', reason: `event "${news.event}" is not one of ${UPLOADCARE_EVENTS.join(', ')}` })
    }
    if (!PAYLOAD_VERSIONS.includes(news.version)) {
      failures.push({ property: 'version', reason: `payload version "${news.version}" is not one of ${PAYLOAD_VERSIONS.join(', ')}` })
    }
    if (!news.signingSecret || news.signingSecret.length > 32) {
      failures.push({ property: 'signingSecret', reason: 'the signing secret must be 1 to 32 characters (an API limit)' })
    }
    if (!news.publicKey) failures.push({ property: 'publicKey', reason: 'the Uploadcare public key is required' })
    if (!news.secretKey) failures.push({ property: 'secretKey', reason: 'the Uploadcare secret key is required' })
    if (news.auth !== 'simple' && news.auth !== 'signed') failures.push({ property: 'auth', reason: 'auth must be "simple" or "signed"' })
    return { inputs: news, failures }
  },

  async diff(_id, olds, news) {
    // Another project, URL or event is another subscription; the version cannot be updated in place.
    const replaces = (['baseUrl', 'publicKey', 'targetUrl', 'event', 'version'] as const).filter((k) => olds[k] !== news[k])
    const updates = (['secretKey', 'auth', 'isActive', 'signingSecret'] as const).filter((k) => olds[k] !== news[k])
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: false }
  },

  async create(inputs) {
    const existing = findSubscription(await listWebhooks(inputs, `list webhooks before subscribing ${describe(inputs)}`), inputs)
    if (existing && existing.version === inputs.version) {
      // Adopt: the API would refuse a second subscription for this URL and event.
      if (!differs(existing, inputs)) return { id: `${inputs.event} ${inputs.targetUrl}`, outs: outputs(inputs, existing) }
      const updated = await call<ApiWebhook>(inputs, {
        operation: `adopt ${describe(inputs)}`,
        method: 'PUT',
        path: `/webhooks/${existing.id}/`,
        form: form(inputs, false),
      })
      return { id: `${inputs.event} ${inputs.targetUrl}`, outs: outputs(inputs, updated) }
    }
    if (existing) await unsubscribe(inputs)
    const created = await call<ApiWebhook>(inputs, {
      operation: `subscribe ${describe(inputs)}`,
      method: 'POST',
      path: '/webhooks/',
      form: form(inputs, true),
    })
    return { id: `${inputs.event} ${inputs.targetUrl}`, outs: outputs(inputs, created) }
  },

  async read(id, props) {
    if (!props) return { id, props }
    const hook = findSubscription(await listWebhooks(props, `read ${describe(props)}`), props)
    // Gone (unsubscribed in the dashboard): an empty id tells Pulumi to drop it from state.
    if (!hook) return { id: '', props }
    return {
      id,
      props: {
        ...props,
        isActive: hook.is_active,
        signingSecret: hook.signing_secret ?? '',
        version: hook.version,
        webhookId: hook.id,
        project: hook.project,
      },
    }
  },

  async update(_id, _olds, news) {
    const hook = findSubscription(await listWebhooks(news, `list webhooks before updating ${describe(news)}`), news)
    if (!hook) {
      throw new Error(
        `Uploadcare: updating ${describe(news)} failed (it is not subscribed any more). Fix: run \`pulumi refresh\` to forget it, then \`pulumi up\` subscribes it again.`,
      )
    }
    if (!differs(hook, news)) return { outs: outputs(news, hook) }
    const updated = await call<ApiWebhook>(news, {
      operation: `update ${describe(news)}`,
      method: 'PUT',
      path: `/webhooks/${hook.id}/`,
      form: form(news, false),
    })
    return { outs: outputs(news, updated) }
  },

  async delete(_id, props) {
    await unsubscribe(props)
  },
}

/**
 * Unsubscribes (target URL, event). The API's unsubscribe call is keyed by target URL, so it may
 * take the URL's other events with it; those are subscribed again exactly as they were.
 */
async function unsubscribe(s: UploadcareWebhookInputs): Promise<void> {
  const before = await listWebhooks(s, `list webhooks before unsubscribing ${describe(s)}`)
  if (!findSubscription(before, s)) return // already gone is the state we wanted
  try {
    await call(s, {
      operation: `unsubscribe ${describe(s)}`,
      method: 'DELETE',
      path: '/webhooks/unsubscribe/',
      form: { target_url: s.targetUrl, event: s.event },
    })
  } catch (err) {
    if (isUploadcareApiError(err) && err.status === 404) return
    throw err
  }
  const siblings = before.filter((h) => h.target_url === s.targetUrl && h.event !== s.event)
  if (siblings.length === 0) return
  const after = await listWebhooks(s, `list webhooks after unsubscribing ${describe(s)}`)
  for (const lost of siblings.filter((h) => !after.some((a) => a.target_url === h.target_url && a.event === h.event))) {
    await call(s, {
      operation: `re-subscribe the ${lost.event} webhook to ${lost.target_url} (removed along with ${s.event})`,
      method: 'POST',
      path: '/webhooks/',
      form: {
        target_url: lost.target_url,
        event: lost.event,
        is_active: String(lost.is_active),
        version: lost.version,
        ...(lost.signing_secret ? { signing_secret: lost.signing_secret } : {}),
      },
    })
  }
}
