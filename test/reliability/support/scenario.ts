// Choices shared by the process scenarios.
import type { AdapterName } from '../server/main.js'

/** The process beside Express in every multi-process scenario. */
export const SECOND_ADAPTER: AdapterName = 'h3'

/** `RELIABILITY_SEED` replays a run's order and choices; default: a fresh seed (printed with the figures). */
export function stormSeed(): number {
  const fromEnv = process.env.RELIABILITY_SEED
  return fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31)
}
