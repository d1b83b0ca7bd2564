/** Reads an environment variable where a runtime has `process.env` (Node, Bun, Next edge); undefined elsewhere. */
export function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  const value = env?.[name]
  return value === '' ? undefined : value
}

/** Seconds since the epoch, from the (fakeable) system clock. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000)
