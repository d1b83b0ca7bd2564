// Vitest global setup: `pnpm pack` every publishable package once, into a temp dir outside the
// repository, exactly as `pnpm publish` would (workspace: ranges become versions). The tests read
// the tarballs through inject('packed').
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { publishablePackages } from './publishable.js'

export interface PackedPackage {
  name: string
  /** Folder under packages/. */
  folder: string
  /** Absolute path of the .tgz. */
  tarball: string
  /** Paths inside the tarball, relative to the package root. */
  files: string[]
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every publishable package, packed. */
    packed: PackedPackage[]
  }
}

let packDir: string | undefined

export function setup(project: TestProject) {
  packDir = mkdtempSync(join(tmpdir(), 'upload-webhooks-packs-'))
  const packed = publishablePackages().map(({ folder, dir, manifest }): PackedPackage => {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`packages/${folder} has no dist/: run \`pnpm build\` first.`)
    const output = execFileSync('pnpm', ['pack', '--json', '--pack-destination', packDir!], { cwd: dir, encoding: 'utf8' })
    const result = JSON.parse(output) as { filename: string; files: { path: string }[] }
    return { name: manifest.name, folder, tarball: result.filename, files: result.files.map((file) => file.path) }
  })
  project.provide('packed', packed)
}

export function teardown() {
  if (packDir) rmSync(packDir, { recursive: true, force: true })
}
