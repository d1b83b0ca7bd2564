import { DEFAULT_UPLOADCARE_EVENTS } from './defaults.js'
import { UPLOADCARE_EVENTS, type UploadcareEvent } from './uploadcare/webhook-provider.js'

/** The optional `uploadcare` stack config object, validated. Secrets as plain strings. */
export interface UploadcareConfig {
  publicKey: string
  secretKey: string
  events: UploadcareEvent[]
  /** Where Uploadcare delivers; default: the first `webhookUrls` entry. */
  targetUrl: string
  auth: 'signed' | 'simple'
}

/** The commands that set the object, for error messages and the README. */
export function uploadcareConfigCommands(project: string): string {
  return [
    `pulumi config set --path ${project}:uploadcare.publicKey <public-key>`,
    `pulumi config set --secret --path ${project}:uploadcare.secretKey <secret-key>`,
    `pulumi config set --path '${project}:uploadcare.events[0]' file.uploaded`,
  ].join(' && ')
}

/**
 * Parses `<project>:uploadcare` (structured config, set with `--path`). Undefined when unset:
 * Uploadcare is opt-in. `fail` throws a ConfigError naming the key.
 */
export function parseUploadcareConfig(
  raw: string | undefined,
  project: string,
  defaultTargetUrl: string,
  fail: (key: string, problem: string, fix: string) => never,
): UploadcareConfig | undefined {
  if (raw === undefined) return undefined
  const key = (k: string) => `${project}:uploadcare${k ? `.${k}` : ''}`
  const fix = uploadcareConfigCommands(project)
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    fail(key(''), 'is not an object', `pulumi config rm ${key('')} && ${fix}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(key(''), 'is not an object', `pulumi config rm ${key('')} && ${fix}`)
  const o = value as Record<string, unknown>
  const text = (k: string, what: string, command: string): string => {
    const v = o[k]
    if (typeof v !== 'string' || v.trim() === '') fail(key(k), `is missing (${what})`, command)
    return v.trim()
  }
  const publicKey = text('publicKey', 'the project’s public key', `pulumi config set --path ${key('publicKey')} <public-key>`)
  const secretKey = text('secretKey', 'the project’s secret API key', `pulumi config set --secret --path ${key('secretKey')} <secret-key>`)

  const eventsFix = `pulumi config set --path '${key('events[0]')}' file.uploaded (one of ${UPLOADCARE_EVENTS.join(', ')}, each once)`
  const events = o.events === undefined ? [...DEFAULT_UPLOADCARE_EVENTS] : o.events
  if (!Array.isArray(events) || events.length === 0) fail(key('events'), 'must be a non-empty list', eventsFix)
  for (const e of events) {
    if (!(UPLOADCARE_EVENTS as readonly unknown[]).includes(e))
      fail(key('events'), `holds ${JSON.stringify(e)}, not an Uploadcare event`, eventsFix)
  }
  if (new Set(events).size !== events.length) fail(key('events'), 'lists an event twice', eventsFix)

  const targetUrl = o.targetUrl === undefined ? defaultTargetUrl : o.targetUrl
  if (typeof targetUrl !== 'string' || !targetUrl.startsWith('https://')) {
    fail(
      key('targetUrl'),
      `is ${JSON.stringify(targetUrl)}, not an https:// URL`,
      `pulumi config set --path ${key('targetUrl')} https://app.example.com/api/webhooks/upload`,
    )
  }
  const auth = o.auth ?? 'signed'
  if (auth !== 'signed' && auth !== 'simple')
    fail(key('auth'), `is ${JSON.stringify(auth)}, not signed or simple`, `pulumi config set --path ${key('auth')} signed`)

  return { publicKey, secretKey, events: events as UploadcareEvent[], targetUrl, auth }
}
