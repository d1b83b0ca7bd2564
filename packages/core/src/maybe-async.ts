// Values that are ready at once on Node (node:crypto, bytes a framework kept, a sync handler) and
// promises elsewhere (Web Crypto, a stream, a store). The request path awaits only real promises:
// an `await` or an `async` layer over a ready value still costs a promise and a microtask turn.

/** A value node:crypto returns at once and Web Crypto (or a stream, or a store) as a promise. */
export type MaybeAsync<T> = T | Promise<T>

/** `next(value)` now when `value` is ready, else once it is: a promise only when there was one. */
export function andThen<T, U>(value: MaybeAsync<T>, next: (value: T) => MaybeAsync<U>): MaybeAsync<U> {
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value as T)
}

/** True for any thenable, as `await` sees it: what user code (a verifier, a handler) returns may be one. */
export const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null | undefined)?.then === 'function'
