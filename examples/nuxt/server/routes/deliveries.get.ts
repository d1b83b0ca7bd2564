// The live delivery log as JSON: the last 100 delivery reports and the received uploads, newest first.
import { defineEventHandler } from 'h3'
import { readDeliveryLog } from '../utils/delivery-log.js'

export default defineEventHandler(() => readDeliveryLog())
