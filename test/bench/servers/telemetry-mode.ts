// The OpenTelemetry setting a server process runs under (env BENCH_OTEL), set before any router
// exists: core looks for `@opentelemetry/api` once, when the first router is created.
//   absent    a resolve hook makes `@opentelemetry/api` unresolvable, as in an app without it
//   api       the API resolves (core's dev dependency) and no provider is registered
//   provider  tracer and meter providers registered, exporting to a counting no-op exporter
// The SDK packages are core's dev dependencies, so they are resolved from packages/core.
import { createRequire, register } from 'node:module'
import { pathToFileURL } from 'node:url'
import { corePackageJson } from '../paths.js'

export type TelemetryMode = 'absent' | 'api' | 'provider'
export const TELEMETRY_MODES: readonly TelemetryMode[] = ['absent', 'api', 'provider']

const HIDE_API = `export async function resolve(specifier, context, next) {
  if (specifier === '@opentelemetry/api' || specifier.startsWith('@opentelemetry/api/')) {
    throw Object.assign(new Error('hidden by the benchmark'), { code: 'ERR_MODULE_NOT_FOUND' })
  }
  return next(specifier, context)
}`

const fromCore = createRequire(corePackageJson)
const importFromCore = async <T>(name: string): Promise<T> => (await import(pathToFileURL(fromCore.resolve(name)).href)) as T

// Just what is used here: test/ does not depend on the OpenTelemetry packages, core does.
type Callback = (result: { code: number }) => void
interface OtelApi {
  trace: { setGlobalTracerProvider(provider: unknown): boolean }
  metrics: { setGlobalMeterProvider(provider: unknown): boolean }
}
interface TraceSdk {
  BatchSpanProcessor: new (exporter: {
    export(spans: unknown[], done: Callback): void
    shutdown(): Promise<void>
  }) => {
    forceFlush(): Promise<void>
  }
  BasicTracerProvider: new (config: { spanProcessors: unknown[] }) => unknown
}
interface MetricsSdk {
  PeriodicExportingMetricReader: new (options: {
    exporter: { export(metrics: unknown, done: Callback): void; forceFlush(): Promise<void>; shutdown(): Promise<void> }
    exportIntervalMillis: number
  }) => unknown
  MeterProvider: new (options: { readers: unknown[] }) => unknown
}

/** Spans the no-op exporter was handed: proves the provider mode traced the deliveries. */
let spansExported = 0
let flush: (() => Promise<void>) | undefined

export async function setupTelemetry(mode: string | undefined): Promise<void> {
  if (mode === undefined || mode === '' || mode === 'api') return
  if (mode === 'absent') return void register(`data:text/javascript,${encodeURIComponent(HIDE_API)}`)
  if (mode !== 'provider') throw new Error(`bench server: BENCH_OTEL must be one of ${TELEMETRY_MODES.join(', ')}, got ${mode}`)
  const api = await importFromCore<OtelApi>('@opentelemetry/api')
  const traceSdk = await importFromCore<TraceSdk>('@opentelemetry/sdk-trace-base')
  const metricsSdk = await importFromCore<MetricsSdk>('@opentelemetry/sdk-metrics')
  const done = { code: 0 }
  // Batching, as the Node SDK does by default; the exporter drops what it is handed.
  const spanProcessor = new traceSdk.BatchSpanProcessor({
    export: (spans, callback) => {
      spansExported += spans.length
      callback(done)
    },
    shutdown: async () => {},
  })
  const reader = new metricsSdk.PeriodicExportingMetricReader({
    exporter: {
      export: (_metrics, callback) => callback(done),
      forceFlush: async () => {},
      shutdown: async () => {},
    },
    exportIntervalMillis: 60_000,
  })
  api.trace.setGlobalTracerProvider(new traceSdk.BasicTracerProvider({ spanProcessors: [spanProcessor] }))
  api.metrics.setGlobalMeterProvider(new metricsSdk.MeterProvider({ readers: [reader] }))
  flush = () => spanProcessor.forceFlush()
}

/** Spans exported so far (after flushing the batch); 0 outside the provider mode. */
export async function exportedSpans(): Promise<number> {
  await flush?.()
  return spansExported
}
