// `@upload-webhooks/core/senders`: the sender registry as data, for tools that sign or describe
// deliveries (the CLI, docs checks) without pulling in `/testing`'s request helpers.
export { type SenderId, senderById, senders } from './registry.js'
export type { SenderModule, SignInput } from './types.js'
