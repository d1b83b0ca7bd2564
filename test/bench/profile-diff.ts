// Compares two `pnpm bench --profile` profiles per request: self time (µs) by function, B minus A.
// node test/bench/dist/bench/profile-diff.js <a.cpuprofile> <requests in A> <b.cpuprofile> <requests in B> [rows]
// Request counts: the `responses` of the same round's sample in the run's JSON (a profile covers
// exactly that measured run).
import { readFileSync } from 'node:fs'

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[]
  samples: number[]
  timeDeltas: number[]
}

function selfMicrosPerRequest(file: string, requests: number): Map<string, number> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const self = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!
    if (frame.functionName === '(idle)') return // servers wait while other variants are loaded
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}`
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / requests)
  })
  return self
}

const [fileA, requestsA, fileB, requestsB, rows = '30'] = process.argv.slice(2)
if (!fileA || !fileB || !Number(requestsA) || !Number(requestsB)) {
  throw new Error('usage: profile-diff.js <a.cpuprofile> <requests in A> <b.cpuprofile> <requests in B> [rows]')
}
const a = selfMicrosPerRequest(fileA, Number(requestsA))
const b = selfMicrosPerRequest(fileB, Number(requestsB))
const total = (m: Map<string, number>) => [...m.values()].reduce((sum, v) => sum + v, 0)
console.log(`CPU µs per request (busy, measured run only): A ${total(a).toFixed(1)}, B ${total(b).toFixed(1)}`)
const keys = [...new Set([...a.keys(), ...b.keys()])]
keys
  .map((key) => ({ key, a: a.get(key) ?? 0, b: b.get(key) ?? 0 }))
  .sort((x, y) => y.b - y.a - (x.b - x.a))
  .slice(0, Number(rows))
  .forEach(({ key, a: x, b: y }) => {
    console.log(`${(y - x).toFixed(2).padStart(8)}  (${x.toFixed(2)} → ${y.toFixed(2)})  ${key}`)
  })
