// Imports every JavaScript entry point of every installed @upload-webhooks package, as a user's
// app would, and prints the ones that failed to load.
import { readdirSync, readFileSync } from 'node:fs'

const scope = new URL('./node_modules/@upload-webhooks/', import.meta.url)
const loaded = []
const failed = []
for (const folder of readdirSync(scope)) {
  const manifest = JSON.parse(readFileSync(new URL(`${folder}/package.json`, scope), 'utf8'))
  for (const subpath of Object.keys(manifest.exports ?? {})) {
    if (subpath.endsWith('.json')) continue
    const specifier = `${manifest.name}${subpath.slice(1)}`
    try {
      await import(specifier)
      loaded.push(specifier)
    } catch (error) {
      failed.push(`${specifier}: ${error.message}`)
    }
  }
}
console.log(JSON.stringify({ loaded, failed }))
