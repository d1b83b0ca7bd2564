import { VerificationError } from '@upload-webhooks/core'

/** `'accepted'`, or `'<status> <reason>'` of the VerificationError a verifier threw; rethrows anything else. */
export async function outcomeOf(verification: unknown): Promise<string> {
  try {
    await verification
  } catch (error) {
    if (error instanceof VerificationError) return `${error.status} ${error.reason}`
    throw error
  }
  return 'accepted'
}
