/** The optional `uploadEvents` stack config object, validated. On unless `enabled` is false. */
export interface UploadEventsConfig {
  /** Only keys starting with this; default: every key. */
  prefix?: string
  /** Only keys ending with this; default: every key. */
  suffix?: string
  /** The bucket's public base URL, for `file.url`; default: none. */
  publicBaseUrl?: string
  /** The app's route, sent as `Upstash-Failure-Callback`; default: none. */
  failureCallbackUrl?: string
  /** Default: 10. */
  batchSize: number
  /** Default: 5. */
  maxRetries: number
}

const KEYS = ['enabled', 'prefix', 'suffix', 'publicBaseUrl', 'failureCallbackUrl', 'batchSize', 'maxRetries']

/**
 * Parses `<project>:uploadEvents` (structured config, set with `--path`). Unset: on, with the
 * defaults. `false` when `enabled` is false. `fail` throws a ConfigError naming the key.
 */
export function parseUploadEventsConfig(
  raw: string | undefined,
  project: string,
  fail: (key: string, problem: string, fix: string) => never,
): UploadEventsConfig | false {
  const key = (k: string) => `${project}:uploadEvents${k ? `.${k}` : ''}`
  const set = (k: string, example: string) => `pulumi config set --path ${key(k)} ${example}`
  let value: unknown = {}
  if (raw !== undefined) {
    try {
      value = JSON.parse(raw)
    } catch {
      value = undefined
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(key(''), 'is not an object', `pulumi config rm ${key('')} && ${set('enabled', 'true')}`)
  }
  const o = value as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!KEYS.includes(k)) fail(key(k), `is not a setting (one of ${KEYS.join(', ')})`, `pulumi config rm --path ${key(k)}`)
  }

  const enabled = o.enabled ?? true
  if (enabled !== true && enabled !== false && enabled !== 'true' && enabled !== 'false') {
    fail(key('enabled'), `is ${JSON.stringify(enabled)}, not true or false`, set('enabled', 'false'))
  }
  if (enabled === false || enabled === 'false') return false

  const text = (k: string, example: string): string | undefined => {
    const v = o[k]
    if (v === undefined) return undefined
    if (typeof v !== 'string' || v === '') fail(key(k), `is ${JSON.stringify(v)}, not a non-empty string`, set(k, example))
    return v
  }
  const url = (k: string, example: string): string | undefined => {
    const v = text(k, example)
    if (v !== undefined && !v.startsWith('https://')) fail(key(k), `is ${JSON.stringify(v)}, not an https:// URL`, set(k, example))
    return v
  }
  const whole = (k: string, min: number, max: number, fallback: number): number => {
    const v = o[k] === undefined ? fallback : Number(o[k])
    if (!Number.isInteger(v) || v < min || v > max) {
      fail(key(k), `is ${JSON.stringify(o[k])}, not a whole number from ${min} to ${max}`, set(k, String(fallback)))
    }
    return v
  }

  const prefix = text('prefix', 'uploads/')
  const suffix = text('suffix', '.jpg')
  const publicBaseUrl = url('publicBaseUrl', 'https://files.example.com')
  const failureCallbackUrl = url('failureCallbackUrl', 'https://app.example.com/api/webhooks/upload')
  return {
    ...(prefix !== undefined ? { prefix } : {}),
    ...(suffix !== undefined ? { suffix } : {}),
    ...(publicBaseUrl !== undefined ? { publicBaseUrl } : {}),
    ...(failureCallbackUrl !== undefined ? { failureCallbackUrl } : {}),
    batchSize: whole('batchSize', 1, 100, 10),
    maxRetries: whole('maxRetries', 0, 100, 5),
  }
}
