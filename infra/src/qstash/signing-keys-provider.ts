import type * as pulumi from '@pulumi/pulumi'
import { qstashRequest } from './http.js'

/** Resolved inputs of the signing keys dynamic resource. */
export interface SigningKeysInputs {
  /** QStash REST base URL for the token's region. */
  baseUrl: string
  /** QStash token of that region (secret). */
  token: string
  /** Opaque trigger: changing it to a new non-empty value rotates the keys once. */
  rotate: string
}

/** State: the inputs plus the keys QStash signs with. */
export interface SigningKeysOutputs extends SigningKeysInputs {
  current: string
  next: string
}

interface KeysResponse {
  current: string
  next: string
}

function keysOf(res: KeysResponse | undefined, path: string): KeysResponse {
  if (!res || typeof res.current !== 'string' || typeof res.next !== 'string' || !res.current || !res.next) {
    throw new Error(
      `QStash: reading signing keys failed (${path} answered without "current" and "next"). Fix: check that upload-webhooks:qstashRegion (or baseUrl) points at the QStash REST API, then run \`pulumi up\` again.`,
    )
  }
  return { current: res.current, next: res.next }
}

/**
 * Reads (and, when asked, rotates) the signing keys of a QStash region. Keys cannot be
 * created or deleted, so create/delete only read or forget them.
 */
export const signingKeysProvider: pulumi.dynamic.ResourceProvider<SigningKeysInputs, SigningKeysOutputs> = {
  async diff(_id, olds, news) {
    const replaces = olds.baseUrl !== news.baseUrl ? ['baseUrl'] : []
    const changes = replaces.length > 0 || olds.token !== news.token || (olds.rotate ?? '') !== (news.rotate ?? '')
    return { changes, replaces, deleteBeforeReplace: false }
  },

  async create(inputs) {
    // Never rotate on create: a fresh stack adopts the keys the app may already be using.
    const path = '/v2/keys'
    const keys = keysOf(
      await qstashRequest<KeysResponse>({
        operation: 'read signing keys',
        baseUrl: inputs.baseUrl,
        token: inputs.token,
        method: 'GET',
        path,
      }),
      path,
    )
    return { id: 'signing-keys', outs: { ...inputs, rotate: inputs.rotate ?? '', ...keys } }
  },

  async read(id, props) {
    if (!props) return { id, props }
    // Picks up rotations done in the console, so `pulumi refresh` shows the real keys.
    const path = '/v2/keys'
    const keys = keysOf(
      await qstashRequest<KeysResponse>({
        operation: 'read signing keys',
        baseUrl: props.baseUrl,
        token: props.token,
        method: 'GET',
        path,
      }),
      path,
    )
    return { id, props: { ...props, ...keys } }
  },

  async update(_id, olds, news) {
    const rotate = news.rotate ?? ''
    const shouldRotate = rotate !== '' && rotate !== (olds.rotate ?? '')
    const path = shouldRotate ? '/v2/keys/rotate' : '/v2/keys'
    const res = await qstashRequest<KeysResponse>({
      operation: shouldRotate ? 'rotate signing keys' : 'read signing keys',
      baseUrl: news.baseUrl,
      token: news.token,
      method: shouldRotate ? 'POST' : 'GET',
      path,
    })
    return { outs: { ...news, rotate, ...keysOf(res, path) } }
  },

  async delete() {
    // Signing keys live as long as the QStash account; forgetting them is all we can do.
  },
}
