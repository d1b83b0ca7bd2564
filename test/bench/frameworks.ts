// The frameworks measured, each a Node request listener built for one variant.
import type { RequestListener } from 'node:http'
import type { WebhookRouterOptions } from '@upload-webhooks/core'
import { expressListener } from './servers/express.js'
import { h3v1Listener } from './servers/h3v1.js'
import { h3v2Listener } from './servers/h3v2.js'
import { nextListener } from './servers/next.js'

export type Framework = 'express' | 'h3v1' | 'h3v2' | 'next'

type Listener = (options: WebhookRouterOptions | undefined) => RequestListener

export const FRAMEWORKS: Record<Framework, { label: string; listener: Listener }> = {
  express: { label: 'Express 5', listener: expressListener },
  h3v1: { label: 'h3 v1', listener: h3v1Listener },
  h3v2: { label: 'h3 v2', listener: h3v2Listener },
  next: { label: 'Next (App Router handler)', listener: nextListener },
}

export const isFramework = (name: string): name is Framework => Object.hasOwn(FRAMEWORKS, name)
