// What the webhook handlers received, as JSON.
import { defineEventHandler } from 'h3'
import { listReceived } from '../utils/received.js'

export default defineEventHandler(() => listReceived())
