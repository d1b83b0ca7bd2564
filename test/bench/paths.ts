// Locations the compiled harness (test/bench/dist/bench/*.js) needs, resolved from here.
import { fileURLToPath } from 'node:url'

const benchDir = new URL('../../', import.meta.url)

/** test/bench/results/ (git-ignored): JSON figures and CPU profiles. */
export const resultsDir = fileURLToPath(new URL('results/', benchDir))
/** packages/core/dist/crypto/: both crypto implementations, imported directly to compare them. */
export const coreCryptoDist = new URL('../../packages/core/dist/crypto/', benchDir)
