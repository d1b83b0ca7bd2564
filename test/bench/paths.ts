// Locations the compiled harness (test/bench/dist/bench/*.js) needs, resolved from here.
import { fileURLToPath } from 'node:url'

const benchDir = new URL('../../', import.meta.url)

/** test/bench/results/ (git-ignored): JSON figures and CPU profiles. */
export const resultsDir = fileURLToPath(new URL('results/', benchDir))
/** packages/core/dist/crypto/: both crypto implementations, imported directly to compare them. */
export const coreCryptoDist = new URL('../../packages/core/dist/crypto/', benchDir)
/** packages/core/package.json: the OpenTelemetry SDK (core's dev dependency) is resolved from there. */
export const corePackageJson = new URL('../../packages/core/package.json', benchDir)
