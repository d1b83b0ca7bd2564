// What a registry page and a user's install see of each publishable package: its metadata, its
// LICENSE and README, and the publint and attw verdicts on the packed tarball.
import { readFileSync } from 'node:fs'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { describe, expect, inject, it } from 'vitest'
import { readManifest, repoRoot } from './publishable.js'
import { relativeReadmeLinks } from './readme-links.js'
import { run } from './run.js'

const packed = inject('packed')
const rootManifest = readManifest(`${repoRoot}package.json`)
const rootRepository = typeof rootManifest.repository === 'object' ? rootManifest.repository.url : undefined
/** `https://github.com/<owner>/<name>`, from the root package.json's `repository.url`. */
const repositoryWeb = rootRepository?.replace(/^git\+/, '').replace(/\.git$/, '')
const rootLicense = readFileSync(`${repoRoot}LICENSE`, 'utf8')

it('the root package.json names the repository every package points to', () => {
  expect(
    repositoryWeb,
    'set "repository": { "type": "git", "url": "git+https://github.com/<owner>/<name>.git" } in the root package.json',
  ).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+$/)
})

it('finds the publishable packages', () => {
  expect(packed.map((pkg) => pkg.name)).toEqual(
    expect.arrayContaining(['@upload-webhooks/core', '@upload-webhooks/express', '@upload-webhooks/h3', '@upload-webhooks/next']),
  )
})

describe.each(packed)('$name', ({ folder, tarball, files }) => {
  const dir = `${repoRoot}packages/${folder}`
  const manifest = readManifest(`${dir}/package.json`)

  it('ships the MIT LICENSE and its README', () => {
    expect(manifest.license).toBe('MIT')
    expect(manifest.files, `add "LICENSE" to "files" in packages/${folder}/package.json`).toContain('LICENSE')
    expect(readFileSync(`${dir}/LICENSE`, 'utf8'), `copy the root LICENSE to packages/${folder}/LICENSE`).toBe(rootLicense)
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']))
  })

  it('links back to the repository, its folder and its issues', () => {
    expect(manifest.repository).toEqual({ type: 'git', url: rootRepository, directory: `packages/${folder}` })
    expect(manifest.homepage).toBe(`${repositoryWeb}/tree/main/packages/${folder}#readme`)
    expect(manifest.bugs).toEqual({ url: `${repositoryWeb}/issues` })
  })

  it('has keywords, sideEffects and engines', () => {
    expect(manifest.keywords?.length, `add "keywords" to packages/${folder}/package.json`).toBeGreaterThan(0)
    expect(
      manifest.sideEffects,
      `declare "sideEffects" in packages/${folder}/package.json (false when importing runs nothing)`,
    ).toBeDefined()
    expect(manifest.engines?.node, `declare "engines": { "node": ">=20.9" } in packages/${folder}/package.json`).toBeDefined()
  })

  it('has a README whose links work on a registry page (absolute, no ../)', () => {
    expect(relativeReadmeLinks(readFileSync(`${dir}/README.md`, 'utf8'))).toEqual([])
  })

  it('passes publint (strict, suggestions included) on the packed tarball', async () => {
    const bytes = readFileSync(tarball)
    const { messages, pkg } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer },
      strict: true,
      level: 'suggestion',
    })
    expect(messages.map((message) => `${message.type} ${message.code}: ${formatMessage(message, pkg, { color: false })}`)).toEqual([])
  })

  it('passes @arethetypeswrong/cli on the packed tarball (ESM-only: node16 from ESM, bundler)', async () => {
    // The packages ship ES modules only, so the node10 and node16-from-CJS resolutions are out of scope.
    // attw reads the local tarball only: no registry access.
    const attw = await run('pnpm', ['exec', 'attw', tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'], {
      cwd: `${repoRoot}test`,
    })
    expect(attw, 'attw exits non-zero when it finds a problem').toMatchObject({ code: 0 })
  })
})
