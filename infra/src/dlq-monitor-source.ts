import { readFileSync } from 'node:fs'

/** File name the worker is uploaded under; also its main module. */
export const DLQ_MONITOR_MODULE = 'dlq-monitor.js'

/**
 * Source of the DLQ monitor worker, uploaded verbatim. It is a single dependency-free ES
 * module, so no bundler is needed; `../worker/` resolves the same from `src/` and `dist/src/`.
 */
export function dlqMonitorSource(): string {
  return readFileSync(new URL(`../worker/${DLQ_MONITOR_MODULE}`, import.meta.url), 'utf8')
}
