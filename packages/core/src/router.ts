// The router: one delivery through named steps, top to bottom (docs/architecture.md, "Request
// path"). Policy lives in the steps; this file only composes them.
import { toWebResponse } from './adapter/response.js'
import { Refusal } from './errors.js'
import type { VerifyOption } from './handlers.js'
import { observing } from './observe.js'
import { resolveSettings, type WebhookRouterOptions } from './router-options.js'
import { isPromiseLike } from './runtime.js'
import { accepted, answer, storeUnavailable } from './steps/answer.js'
import { authenticate } from './steps/authenticate.js'
import { enqueue, jobOf } from './steps/defer.js'
import { exactlyOnce } from './steps/exactly-once.js'
import { missingRawBody, preflight, read, readFailure } from './steps/read.js'
import { decode, handlerContext, ignoring, route, withinBudget } from './steps/route.js'
import { type DeliveryRecord, type Instruments, loadTelemetry, timedHandler, timedStore } from './telemetry.js'
import type { RawDelivery, WebhookResult } from './types.js'

export type {
  DeliveryContext,
  DeliveryHandlers,
  EventsOf,
  Handler,
  HandlerContext,
  HandlersFor,
  VerifyOption,
  WebhookHandlers,
} from './handlers.js'
export type { DedupeOptions, ErrorContext, WebhookRouterOptions } from './router-options.js'

export interface WebhookRouter {
  /** Web-standard entry: for Next, Hono, Workers, Bun, Deno, h3 v2. */
  handle(request: Request): Promise<Response>
  /** Adapter entry: one raw delivery in, one result out. */
  receive(delivery: RawDelivery): Promise<WebhookResult>
}

const BODY_ALREADY_READ = 'the Request body was already read before router.handle(): pass the request untouched'

/** Builds the verified, deduping event router every adapter wraps. */
export function createWebhookRouter<const V extends VerifyOption>(options: WebhookRouterOptions<V>): WebhookRouter {
  const settings = resolveSettings(options as unknown as WebhookRouterOptions)
  const { logger, deferral } = settings
  const routeOf = route(settings.handlers, settings.verifiers, logger)
  const ignore = ignoring(settings)
  const unreadable = readFailure(logger)
  let store = settings.store
  const once = exactlyOnce({ ...settings, store: () => store })
  const watch = observing(settings.onDelivery, logger)
  let instruments: Instruments | undefined
  loadTelemetry((loaded) => {
    instruments = loaded
    store = timedStore(settings.store, loaded)
  })

  // Not `async`: a layer that only passes on the steps' promise would cost another promise and turn.
  function receive(delivery: RawDelivery): Promise<WebhookResult> {
    const active = instruments
    if (watch) {
      return watch((record) =>
        active ? active.traceDelivery(() => steps(delivery, active, record), record) : steps(delivery, undefined, record),
      )
    }
    return active ? active.traceDelivery((record) => steps(delivery, active, record)) : steps(delivery)
  }

  /**
   * The request path (docs/architecture.md, "Request path"); `record` collects what the span and
   * the `onDelivery` report say, as soon as each fact is known (a later refusal keeps them). Bytes
   * a framework kept and node:crypto's verdicts are used at once: only a real promise is awaited.
   */
  async function steps(delivery: RawDelivery, telemetry?: Instruments, record?: DeliveryRecord): Promise<WebhookResult> {
    try {
      preflight(delivery, settings.maxBodyBytes)
      const reading = read(delivery.body, settings.maxBodyBytes, unreadable)
      const body = isPromiseLike(reading) ? await reading : reading
      const authenticating = authenticate(delivery, body, settings.verifiers, settings.publicUrl, logger)
      const { verifier, verified } = isPromiseLike(authenticating) ? await authenticating : authenticating
      if (record) {
        record.sender = verifier.name
        record.deliveryId = verified.deliveryId
        record.attempt = verified.attempt ?? 0
      }
      const event = decode(body, verifier, delivery.headers)
      if (record) record.eventType = event.type
      const context = handlerContext(verified, verifier, delivery.headers, body, logger)
      const target = routeOf(event.type, verifier)
      if (target.kind === 'ignored') return await ignore(event, context)
      const report = (error: unknown) => settings.reportError(error, { phase: 'store', deliveryId: verified.deliveryId, event })
      if (target.kind === 'doctor')
        return (await once.probe(verifier, report)) ? accepted('ignored', verified.deliveryId) : storeUnavailable()
      const claim = await once.claimFor(verifier, verified, body)
      if (deferral?.types.has(event.type)) {
        const job = jobOf(event, verifier, verified)
        return answer(await once.run(claim, () => enqueue(deferral, job), report), verified.deliveryId, event, verifier, settings, true)
      }
      const run = () => withinBudget(() => target.handler(event, context), settings.answerBudgetMs, event.type, verifier.name, logger)
      const outcome = await once.run(claim, telemetry && record ? () => timedHandler(telemetry, record, run) : run, report)
      return answer(outcome, verified.deliveryId, event, verifier, settings)
    } catch (error) {
      if (error instanceof Refusal) return error.result
      throw error
    }
  }

  return {
    receive,
    async handle(request) {
      const body = request.bodyUsed ? missingRawBody(BODY_ALREADY_READ) : request.body
      const result = await receive({ method: request.method, url: request.url, headers: request.headers, body })
      return toWebResponse(result)
    },
  }
}
