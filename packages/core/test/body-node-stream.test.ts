import { EventEmitter } from 'node:events'
import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { BodyTooLargeError } from '../src/errors.js'
import { readBody } from '../src/steps/read.js'

// Node request streams are read through 'data'/'end' events (cheaper than the async iterator):
// these pin what the iterator gave for free — completion, the limit, errors, early close.
describe('readBody on a Node stream', () => {
  it('reads every chunk', async () => {
    const stream = Readable.from([Buffer.from('{"a":'), Buffer.from('1}')], { objectMode: false })
    expect((await readBody(stream, 1024)).text).toBe('{"a":1}')
  })

  it('stops at the limit without destroying the stream (the 413 still needs the socket)', async () => {
    const stream = new PassThrough()
    const read = readBody(stream, 8)
    stream.write(Buffer.from('0123456789'))
    await expect(read).rejects.toBeInstanceOf(BodyTooLargeError)
    expect(stream.destroyed).toBe(false)
    expect(stream.isPaused()).toBe(true)
    // A client resetting the connection afterwards must not become an unhandled 'error'.
    expect(() => stream.destroy(new Error('ECONNRESET'))).not.toThrow()
  })

  it('rejects when the stream fails or closes before its end', async () => {
    const failing = new PassThrough()
    const failed = readBody(failing, 1024)
    failing.write('{"a"')
    failing.destroy(new Error('socket hang up'))
    await expect(failed).rejects.toThrow('socket hang up')

    const closing = new PassThrough()
    const closed = readBody(closing, 1024)
    closing.write('{"a"')
    closing.destroy()
    await expect(closed).rejects.toThrow(/closed before its body ended/)
  })

  it('keeps its listeners after the end: a late error or close from the request is absorbed', async () => {
    const stream = new PassThrough()
    const read = readBody(stream, 1024)
    stream.end('{"a":1}')
    expect((await read).text).toBe('{"a":1}')
    // Without a listener left, emitting 'error' would throw.
    expect(stream.emit('error', new Error('ECONNRESET'))).toBe(true)
    expect(stream.emit('close')).toBe(true)
  })

  it('reads a stream-like body without pause(), and refuses it past the limit without throwing', async () => {
    // Told apart from a web stream by readableEnded and destroyed alone; pause is asked for only past the limit.
    const stream = Object.assign(new EventEmitter(), { readableEnded: false, destroyed: false })
    const read = readBody(stream as unknown as Readable, 8)
    expect(() => stream.emit('data', Buffer.from('0123456789'))).not.toThrow()
    await expect(read).rejects.toBeInstanceOf(BodyTooLargeError)
    expect(() => stream.emit('data', Buffer.from('more'))).not.toThrow()
  })

  it('does not wait for an end that already happened', async () => {
    const stream = new PassThrough()
    stream.end('{}')
    stream.resume()
    await new Promise((resolve) => stream.once('end', resolve))
    expect((await readBody(stream, 1024)).bytes.length).toBe(0)
  })
})
