// The adapter table: every row passes the whole conformance suite. A new adapter is one harness
// file (a `Mount`) plus one line here. `store: 'redis'` runs the row against a real Redis.
import { mountExpress4, mountExpress5 } from '../../packages/express/test/harness.js'
import { mountH3v1, mountH3v2 } from '../../packages/h3/test/harness.js'
import { mountNextApp, mountNextPages } from '../../packages/next/test/harness.js'
import type { Mount } from './harness.js'

export interface AdapterRow {
  name: string
  mount: Mount
  /** Dedupe store the row runs with. */
  store: 'memory' | 'redis'
}

export const adapters: AdapterRow[] = [
  { name: 'express 5', mount: mountExpress5, store: 'memory' },
  { name: 'express 4', mount: mountExpress4, store: 'memory' },
  { name: 'express 5 + redis', mount: mountExpress5, store: 'redis' },
  { name: 'h3 v1', mount: mountH3v1, store: 'memory' },
  { name: 'h3 v2', mount: mountH3v2, store: 'memory' },
  { name: 'h3 v1 + redis', mount: mountH3v1, store: 'redis' },
  { name: 'next app router', mount: mountNextApp, store: 'memory' },
  { name: 'next pages router', mount: mountNextPages, store: 'memory' },
  { name: 'next app router + redis', mount: mountNextApp, store: 'redis' },
]
