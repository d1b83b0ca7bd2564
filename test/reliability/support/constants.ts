// Names shared by the reliability servers (child processes) and the tests that drive them.

/** Where every server mounts the webhook route. */
export const WEBHOOK_PATH = '/api/webhooks'
/** The public URL the simulated QStash signs as `sub`; both processes sit "behind" it, as behind a load balancer. */
export const PUBLIC_URL = `https://uploads.example.test${WEBHOOK_PATH}`
/** Hash: file id → how many times a handler's effect happened. */
export const EFFECTS_KEY = 'reliability:effects'
/** Hash: file id → name of the process whose handler produced the (last) effect. */
export const RAN_ON_KEY = 'reliability:ran-on'
/** Hash: `<sender>:<deliveryId>` → how many times a deferred job's effect happened (the worker's ledger). */
export const DELIVERY_EFFECTS_KEY = 'reliability:delivery-effects'
/** Set: `<sender>:<deliveryId>` of every deferred job whose first attempt threw on purpose. */
export const FAULTED_KEY = 'reliability:faulted'
/** List: `<sender>:<deliveryId>` of every deferred job a worker dead-lettered. */
export const DEAD_LETTERS_KEY = 'reliability:dead-letters'
