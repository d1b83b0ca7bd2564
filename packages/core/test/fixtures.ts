// Sample payloads from the senders' documentation (test/fixtures at the repo root), as exact body text.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url))

/** The fixture file's text, byte for byte as stored. */
export const fixtureText = (name: string): string => readFileSync(dir + name, 'utf8')
export const fixture = (name: string): Record<string, unknown> => JSON.parse(fixtureText(name))

export const UPLOADKIT = 'uploadkit-onUploadComplete.json'
export const SONUSLAB = 'sonuslab-upload.completed.json'
export const UPLOADCARE_06 = 'uploadcare-file.uploaded-v0.6.json'
export const UPLOADCARE_07 = 'uploadcare-file.uploaded-v0.7.json'
export const QSTASH_FAILURE = 'qstash-failure-callback.json'
export const CLOUDINARY_UPLOAD = 'cloudinary-upload.json'
