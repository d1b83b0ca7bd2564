import { readFileSync } from 'node:fs'

/** File name the upload consumer is uploaded under; also its main module. */
export const UPLOAD_CONSUMER_MODULE = 'upload-consumer.js'

/**
 * Source of the upload consumer worker, uploaded verbatim: a single dependency-free ES module,
 * so no bundler is needed; `../worker/` resolves the same from `src/` and `dist/src/`.
 */
export function uploadConsumerSource(): string {
  return readFileSync(new URL(`../worker/${UPLOAD_CONSUMER_MODULE}`, import.meta.url), 'utf8')
}
