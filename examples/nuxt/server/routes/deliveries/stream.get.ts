// The live delivery log as server-sent events, for the home page. Written to the Node response
// directly: h3 v1's sendStream cannot cancel a web stream when the page goes away.
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { defineEventHandler } from 'h3'
import { deliveryLogStream, EVENT_STREAM_HEADERS } from '../../utils/delivery-log.js'

export default defineEventHandler((event) => {
  const res = event.node?.res
  // Outside Node (an edge preset) the stream goes out as a web Response.
  if (!res) return new Response(deliveryLogStream(), { headers: EVENT_STREAM_HEADERS })
  res.writeHead(200, EVENT_STREAM_HEADERS)
  const stream = Readable.fromWeb(deliveryLogStream() as NodeReadableStream<Uint8Array>)
  // A closed page destroys the stream, which cancels it and drops its listener.
  res.once('close', () => stream.destroy())
  stream.pipe(res)
})
