// What `pnpm demo:defer` counts in Redis, shared by the demo and the worker it starts.

/** How long the demo's handler works: long enough to kill its worker in the middle. */
export const HANDLER_SECONDS = 3
/** How often a delivery's handler started. */
export const startedKey = (deliveryId: string) => `demo:handler-started:${deliveryId}`
/** How often a delivery's effect happened: the handler ran to its end. */
export const effectsKey = (deliveryId: string) => `demo:effects:${deliveryId}`
