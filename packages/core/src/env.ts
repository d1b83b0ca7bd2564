/** An environment variable's raw value where a runtime has `process.env` (Node, Bun, Next edge); undefined elsewhere. */
export function readEnvRaw(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  return env?.[name]
}

/** An environment variable, with an empty value read as unset. */
export function readEnv(name: string): string | undefined {
  const value = readEnvRaw(name)
  return value === '' ? undefined : value
}

/** Seconds since the epoch, from the (fakeable) system clock. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000)
