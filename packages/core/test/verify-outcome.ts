import { createWebhookRouter, type HeaderBag, memoryStore, VerificationError, type Verifier } from '@upload-webhooks/core'
import { silentLogger } from '@upload-webhooks/core/testing'

/**
 * `'accepted'`, or `'<status> <reason>'` of the VerificationError a verifier threw; rethrows
 * anything else. Pass a call (`() => verifier.verify(input)`): a verifier may answer, and throw,
 * synchronously (node:crypto) or through a promise (Web Crypto).
 */
export async function outcomeOf(verification: unknown): Promise<string> {
  try {
    await (typeof verification === 'function' ? verification() : verification)
  } catch (error) {
    if (error instanceof VerificationError) return `${error.status} ${error.reason}`
    throw error
  }
  return 'accepted'
}

/** The delivery ID a router keys this delivery by: the ID its answer echoes (the handlers accept every type). */
export async function routedDeliveryId(verifier: Verifier, headers: HeaderBag, body: string): Promise<string | undefined> {
  const router = createWebhookRouter({
    verify: verifier,
    store: memoryStore(),
    handlers: {},
    onUnknownEvent: () => {},
    logger: silentLogger,
  })
  const result = await router.receive({ method: 'POST', url: 'http://localhost/hook', headers, body })
  return (JSON.parse(result.body) as { deliveryId?: string }).deliveryId
}
