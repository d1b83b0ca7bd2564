// The env → options wiring, the handlers, the received list, the delivery log and the home
// page's assets are one file each, copied into every example so each stays copyable on its own.
// This keeps the copies from drifting apart.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { exampleDir } from './harness.js'

const copies = { express: 'src', next: 'lib', nuxt: 'server/utils' }

describe.each(['webhook-setup.ts', 'handlers.ts', 'received.ts', 'delivery-log.ts'])('examples/*/%s', (file) => {
  const [first, ...others] = Object.entries(copies).map(([example, folder]) => ({
    path: `examples/${example}/${folder}/${file}`,
    text: readFileSync(`${exampleDir(example)}${folder}/${file}`, 'utf8'),
  }))
  it.each(others)(`$path is identical to ${first!.path}`, ({ text }) => {
    expect(text).toBe(first!.text)
  })
})

describe.each(['delivery-log.js', 'delivery-log.css', 'favicon.svg'])('examples/*/public/%s', (file) => {
  const [first, ...others] = Object.keys(copies).map((example) => ({
    path: `examples/${example}/public/${file}`,
    text: readFileSync(`${exampleDir(example)}public/${file}`, 'utf8'),
  }))
  it.each(others)(`$path is identical to ${first!.path}`, ({ text }) => {
    expect(text).toBe(first!.text)
  })
})
