// Inside this repository the example runs on the workspace's @upload-webhooks packages, whose
// dist/ only `pnpm build` at the repository root creates; without it Nitro stops on a bare ENOENT
// for packages/h3/dist/index.js. So nuxt.config.ts builds them first. Copied out of the
// repository, with the packages installed from npm, there is nothing to do.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const exampleDir = dirname(fileURLToPath(import.meta.url))
const repoRoot = join(exampleDir, '..', '..')

/** Names of this example's `workspace:` dependencies that have no built entry point yet. */
function unbuiltWorkspacePackages(): string[] {
  const manifest = JSON.parse(readFileSync(join(exampleDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }
  return Object.entries(manifest.dependencies ?? {})
    .filter(([name, range]) => range.startsWith('workspace:') && !existsSync(join(exampleDir, 'node_modules', name, 'dist', 'index.js')))
    .map(([name]) => name)
}

/** Runs the repository's `pnpm build` when a workspace package this example uses is not built. */
export function buildWorkspacePackages(): void {
  const unbuilt = unbuiltWorkspacePackages()
  if (unbuilt.length === 0) return
  const fix = `Run \`pnpm install && pnpm build\` in ${repoRoot}, then start this example again.`
  if (!existsSync(join(repoRoot, 'pnpm-workspace.yaml'))) {
    throw new Error(
      `${unbuilt.join(', ')} ha${unbuilt.length === 1 ? 's' : 've'} no dist/ and this is not the upload-webhooks repository. ${fix}`,
    )
  }
  console.info(`[upload-webhooks] ${unbuilt.join(', ')} not built yet: running \`pnpm build\` in ${repoRoot} first.`)
  try {
    execFileSync('pnpm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' })
  } catch (error) {
    throw new Error(`\`pnpm build\` failed (${(error as Error).message}). ${fix}`)
  }
}
