// OpenTelemetry through the SDK's in-memory exporters: one span per delivery with the documented
// attributes, and the three instruments.
import { metrics, trace } from '@opentelemetry/api'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { createWebhookRouter, memoryStore, NonRetryableError, qstash } from '@upload-webhooks/core'
import { createTestDelivery, devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const spans = new InMemorySpanExporter()
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }))
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
})
afterAll(() => {
  trace.disable()
  metrics.disable()
})

const upload = { event: 'onUploadComplete', file: { id: 'f1' } }
/** The API loads with a dynamic import at construction; deliveries before that are not traced. */
const loaded = () => new Promise((resolve) => setTimeout(resolve, 50))

describe('OpenTelemetry', () => {
  it('one span per delivery: sender, event type, delivery ID, outcome, reason, attempt', async () => {
    let calls = 0
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      store: memoryStore(),
      logger: silentLogger,
      handlers: {
        onUploadComplete: () => {
          if (++calls === 2) throw new NonRetryableError('no')
        },
      },
    })
    await loaded()
    spans.reset()
    await router.handle(await createTestDelivery({ verifier: 'qstash', event: upload, deliveryId: 'msg_otel_1' }))
    await router.handle(await createTestDelivery({ verifier: 'qstash', event: upload, deliveryId: 'msg_otel_1' }))
    await router.handle(await createTestDelivery({ verifier: 'qstash', event: { event: 'onOther' }, deliveryId: 'msg_otel_2' }))
    await router.handle(await createTestDelivery({ verifier: 'qstash', event: upload, deliveryId: 'msg_otel_3', secret: 'wrong' }))
    await router.handle(await createTestDelivery({ verifier: 'qstash', event: upload, deliveryId: 'msg_otel_4' }))
    const finished = spans.getFinishedSpans()
    expect(finished.map((span) => span.name)).toEqual(Array(5).fill('upload-webhooks.delivery'))
    expect(finished.map((span) => span.attributes['upload_webhooks.outcome'])).toEqual([
      'processed',
      'duplicate',
      'ignored',
      'rejected',
      'rejected',
    ])
    expect(finished[0]!.attributes).toMatchObject({
      'upload_webhooks.sender': 'qstash',
      'upload_webhooks.event_type': 'onUploadComplete',
      'upload_webhooks.delivery_id': 'msg_otel_1',
      'upload_webhooks.attempt': 0,
      'http.response.status_code': 200,
    })
    expect(finished[3]!.attributes).toMatchObject({ 'upload_webhooks.reason': 'invalid_signature', 'http.response.status_code': 401 })
    expect(finished[4]!.attributes).toMatchObject({ 'upload_webhooks.reason': 'non_retryable', 'http.response.status_code': 489 })
  })

  it('metrics: deliveries by sender and outcome, handler duration, store latency', async () => {
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      store: memoryStore(),
      logger: silentLogger,
      handlers: { onUploadComplete: () => {} },
    })
    await loaded()
    await router.handle(await createTestDelivery({ verifier: 'qstash', event: upload, deliveryId: 'msg_otel_m' }))
    await reader.forceFlush()
    const all = metricExporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
    const byName = (name: string) => all.filter((metric) => metric.descriptor.name === name).at(-1)
    const deliveries = byName('upload_webhooks.deliveries')
    expect(
      deliveries?.dataPoints.some(
        (point) => point.attributes['upload_webhooks.outcome'] === 'processed' && point.attributes['upload_webhooks.sender'] === 'qstash',
      ),
    ).toBe(true)
    expect(byName('upload_webhooks.handler.duration')?.dataPoints[0]?.attributes).toMatchObject({
      'upload_webhooks.event_type': 'onUploadComplete',
    })
    const operations = byName('upload_webhooks.store.duration')?.dataPoints.map((point) => point.attributes['upload_webhooks.operation'])
    expect(operations).toEqual(expect.arrayContaining(['claim', 'commit']))
  })
})
