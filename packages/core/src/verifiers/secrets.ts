import { WebhookConfigError } from '../errors.js'

/** Accepts `secret` or `secrets` (rotation: any listed secret verifies) and fails loudly on neither. */
export function secretList(
  verifier: string,
  options: { secret?: string | undefined; secrets?: readonly string[] | undefined },
  envHint: string,
): string[] {
  const list = [...(options.secrets ?? []), ...(options.secret ? [options.secret] : [])].filter((s) => s.length > 0)
  if (list.length === 0) {
    throw new WebhookConfigError(`${verifier}(): no signing secret. Pass { secret } (${envHint}).`)
  }
  return list
}
