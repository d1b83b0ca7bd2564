// OpenTelemetry, when the app has `@opentelemetry/api` (an optional peer): one span per delivery
// and three instruments. Loaded once with a dynamic import bundlers leave alone; until it has
// loaded, and forever when it is absent, the router only reads one undefined property per call.
// Span and metric names are listed in the README ("OpenTelemetry").
import type { DedupeStore, WebhookResult } from './types.js'

/** What the router learns about a delivery as it goes, for the span. */
export interface DeliveryRecord {
  sender?: string
  eventType?: string
  deliveryId?: string
  attempt?: number
}

export interface Instruments {
  /** Runs `work` inside a delivery span and records its answer on the span and the counter; `record` when another reader shares it. */
  traceDelivery(work: (record: DeliveryRecord) => Promise<WebhookResult>, record?: DeliveryRecord): Promise<WebhookResult>
  /** Times a handler run. */
  handlerDone(record: DeliveryRecord, seconds: number, failed: boolean): void
  /** Times one store call. */
  storeDone(operation: string, seconds: number, failed: boolean): void
}

type OtelApi = typeof import('@opentelemetry/api')
const load = (name: string): Promise<OtelApi> => import(/* webpackIgnore: true */ /* @vite-ignore */ name)
let loading: Promise<OtelApi | undefined> | undefined

const ACCEPTED: ReadonlySet<string> = new Set(['processed', 'duplicate', 'ignored', 'accepted'])

/** `processed | duplicate | ignored` for a 200, `failed` for a 5xx, else `rejected`; and the reason code. */
function outcomeOf(result: WebhookResult): { outcome: string; reason?: string } {
  if (ACCEPTED.has(result.outcome)) return { outcome: result.outcome }
  return { outcome: result.status >= 500 ? 'failed' : 'rejected', reason: result.outcome }
}

function instrumentsOf(api: OtelApi): Instruments {
  const tracer = api.trace.getTracer('@upload-webhooks/core')
  const meter = api.metrics.getMeter('@upload-webhooks/core')
  const deliveries = meter.createCounter('upload_webhooks.deliveries', { description: 'Deliveries answered, by sender and outcome' })
  const handlerDuration = meter.createHistogram('upload_webhooks.handler.duration', { unit: 's', description: 'Handler run time' })
  const storeDuration = meter.createHistogram('upload_webhooks.store.duration', { unit: 's', description: 'Dedupe store call time' })
  return {
    traceDelivery: (work, record: DeliveryRecord = {}) =>
      tracer.startActiveSpan('upload-webhooks.delivery', async (span) => {
        try {
          const result = await work(record)
          const { outcome, reason } = outcomeOf(result)
          span.setAttributes({
            'upload_webhooks.outcome': outcome,
            'http.response.status_code': result.status,
            ...(reason ? { 'upload_webhooks.reason': reason } : {}),
            ...(record.sender ? { 'upload_webhooks.sender': record.sender } : {}),
            ...(record.eventType ? { 'upload_webhooks.event_type': record.eventType } : {}),
            ...(record.deliveryId ? { 'upload_webhooks.delivery_id': record.deliveryId } : {}),
            ...(record.attempt !== undefined ? { 'upload_webhooks.attempt': record.attempt } : {}),
          })
          if (outcome === 'failed') span.setStatus({ code: api.SpanStatusCode.ERROR, ...(reason ? { message: reason } : {}) })
          deliveries.add(1, {
            'upload_webhooks.sender': record.sender ?? 'unknown',
            'upload_webhooks.outcome': outcome,
            ...(reason ? { 'upload_webhooks.reason': reason } : {}),
          })
          return result
        } catch (error) {
          span.recordException(error as Error)
          span.setStatus({ code: api.SpanStatusCode.ERROR })
          throw error
        } finally {
          span.end()
        }
      }),
    handlerDone: (record, seconds, failed) =>
      handlerDuration.record(seconds, {
        'upload_webhooks.sender': record.sender ?? 'unknown',
        'upload_webhooks.event_type': record.eventType ?? 'unknown',
        'upload_webhooks.result': failed ? 'failure' : 'success',
      }),
    storeDone: (operation, seconds, failed) =>
      storeDuration.record(seconds, { 'upload_webhooks.operation': operation, 'upload_webhooks.result': failed ? 'failure' : 'success' }),
  }
}

/** True when the app registered a tracer or meter provider: without one, every span would be a no-op we pay for. */
function registered(api: OtelApi): boolean {
  const tracers = api.trace.getTracerProvider()
  const tracerProvider = tracers instanceof api.ProxyTracerProvider ? tracers.getDelegate() : tracers
  return tracerProvider.constructor.name !== 'NoopTracerProvider' || api.metrics.getMeterProvider().constructor.name !== 'NoopMeterProvider'
}

/**
 * Starts loading the API (once per process) and calls `onLoad` with the instruments when it is
 * there and a provider is registered. Register the provider before creating the router, as
 * OpenTelemetry's Node SDK does from an instrumentation file.
 */
export function loadTelemetry(onLoad: (instruments: Instruments) => void): void {
  loading ??= load('@opentelemetry/api').catch(() => undefined)
  void loading.then((api) => {
    if (api && registered(api)) onLoad(instrumentsOf(api))
  })
}

const seconds = (since: number) => (performance.now() - since) / 1000

async function timed<T>(call: () => T | Promise<T>, done: (seconds: number, failed: boolean) => void): Promise<T> {
  const started = performance.now()
  try {
    const result = await call()
    done(seconds(started), false)
    return result
  } catch (error) {
    done(seconds(started), true)
    throw error
  }
}

/** The store with every call timed; swapped in only once telemetry has loaded. */
export function timedStore(store: DedupeStore, instruments: Instruments): DedupeStore {
  const done = (operation: string) => (elapsed: number, failed: boolean) => instruments.storeDone(operation, elapsed, failed)
  return {
    claim: (key, token, lockSeconds, nonce) => timed(() => store.claim(key, token, lockSeconds, nonce), done('claim')),
    commit: (key, token, ttlSeconds) => timed(() => store.commit(key, token, ttlSeconds), done('commit')),
    release: (key, token) => timed(() => store.release(key, token), done('release')),
  }
}

/** A handler run, timed. */
export function timedHandler(instruments: Instruments, record: DeliveryRecord, run: () => unknown): Promise<unknown> {
  return timed(
    async () => run(),
    (elapsed, failed) => instruments.handlerDone(record, elapsed, failed),
  )
}
