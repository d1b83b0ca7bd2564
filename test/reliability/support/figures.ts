// One summary line per scenario, printed when the scenario ends and again, all together, when
// the reliability run ends (figures-global-setup.ts), so the numbers can be quoted.
import { appendFileSync } from 'node:fs'
import { inject } from 'vitest'
import type { Ledger } from './ledger.js'
import type { StormResult } from './sender.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** File the scenarios append their summary lines to; printed by the global teardown. */
    reliabilityFiguresFile: string
  }
}

export interface Figures {
  scenario: string
  events: number
  deliveries: number
  requests: number
  effects: number
  doubled: number
  lost: number
  /** Per HTTP request, milliseconds. */
  latencies: readonly number[]
  wallMs: number
  /** Anything else worth quoting (status counts, takeovers, ...). */
  extra?: Record<string, string | number>
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export function formatFigures(f: Figures): string {
  const ms = (v: number) => `${v.toFixed(1)}ms`
  const parts = [
    `events=${f.events}`,
    `deliveries=${f.deliveries}`,
    `requests=${f.requests}`,
    `effects=${f.effects}`,
    `doubled=${f.doubled}`,
    `lost=${f.lost}`,
    `latency median=${ms(percentile(f.latencies, 50))} p99=${ms(percentile(f.latencies, 99))} max=${ms(Math.max(0, ...f.latencies))}`,
    `wall=${(f.wallMs / 1000).toFixed(1)}s`,
    ...Object.entries(f.extra ?? {}).map(([k, v]) => `${k}=${v}`),
  ]
  return `[reliability] ${f.scenario.padEnd(22)} ${parts.join(' ')}`
}

/** Prints the line now and keeps it for the end-of-run summary. */
export function recordFigures(f: Figures): string {
  const line = formatFigures(f)
  console.log(line)
  appendFileSync(inject('reliabilityFiguresFile'), `${line}\n`)
  return line
}

/** How big the run is: `RELIABILITY_SCALE=4` sends four times the events. Default: 1. */
export function scale(): number {
  const value = Number(process.env.RELIABILITY_SCALE ?? 1)
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`RELIABILITY_SCALE must be a positive number, got ${process.env.RELIABILITY_SCALE}`)
  return value
}

/** `base` events times the scale, whole. */
export const scaled = (base: number) => Math.max(1, Math.round(base * scale()))

/** A summary line for a scenario that is not a storm (corpus, fuzzing): `key=value` fields. */
export function recordLine(scenario: string, fields: Record<string, string | number>): string {
  const line = `[reliability] ${scenario.padEnd(22)} ${Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`
  console.log(line)
  appendFileSync(inject('reliabilityFiguresFile'), `${line}\n`)
  return line
}

/** The summary line of one storm: what was sent, what the ledger shows, and any scenario extras. */
export function recordStorm(scenario: string, result: StormResult, ledger: Ledger, extra: Record<string, string | number>): string {
  return recordFigures({
    scenario,
    events: result.events,
    deliveries: result.deliveries,
    requests: result.requests,
    effects: ledger.effects,
    doubled: ledger.doubled.length,
    lost: ledger.lost.length,
    latencies: result.latencies,
    wallMs: result.wallMs,
    extra: { answers: JSON.stringify(result.statuses), ...extra },
  })
}
