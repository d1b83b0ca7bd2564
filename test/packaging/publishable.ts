// The publishable packages: every package under packages/ that is not private, so a new one is
// checked the day it lands.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export interface PackageManifest {
  name: string
  version: string
  private?: boolean
  license?: string
  files?: string[]
  keywords?: string[]
  homepage?: string
  bugs?: { url?: string } | string
  repository?: { type?: string; url?: string; directory?: string } | string
  sideEffects?: boolean | string[]
  engines?: Record<string, string>
  exports?: Record<string, unknown>
  bin?: Record<string, string> | string
}

export interface PublishablePackage {
  /** Folder under packages/, e.g. `core`. */
  folder: string
  /** Absolute path of the package folder. */
  dir: string
  manifest: PackageManifest
}

export function readManifest(path: string): PackageManifest {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageManifest
}

export function publishablePackages(): PublishablePackage[] {
  const packagesDir = `${repoRoot}packages/`
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const dir = `${packagesDir}${entry.name}`
      let manifest: PackageManifest
      try {
        manifest = readManifest(`${dir}/package.json`)
      } catch {
        return [] // a folder without package.json (yet) is not a package
      }
      return manifest.private ? [] : [{ folder: entry.name, dir, manifest }]
    })
}
