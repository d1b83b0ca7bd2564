// The env → options wiring, the handlers and the received list are one file each, copied into
// every example so each stays copyable on its own. This keeps the copies from drifting apart.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { exampleDir } from './harness.js'

const copies = { express: 'src', next: 'lib', nuxt: 'server/utils' }

describe.each(['webhook-setup.ts', 'handlers.ts', 'received.ts'])('examples/*/%s', (file) => {
  const [first, ...others] = Object.entries(copies).map(([example, folder]) => ({
    path: `examples/${example}/${folder}/${file}`,
    text: readFileSync(`${exampleDir(example)}${folder}/${file}`, 'utf8'),
  }))
  it.each(others)(`$path is identical to ${first!.path}`, ({ text }) => {
    expect(text).toBe(first!.text)
  })
})
