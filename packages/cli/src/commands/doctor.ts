// `upload-webhooks doctor <url>`: checks a deployed endpoint end to end without running any handler.
import { DOCTOR_EVENT } from '@upload-webhooks/core'
import type { Command } from 'commander'
import { action, httpUrl, integer } from '../action.js'
import { type Answer, exchange, signedRequest, summarise } from '../delivery.js'
import { type DiagnoseContext, type Diagnosis, diagnose } from '../diagnose.js'
import { painter, printJson } from '../output.js'
import { probePayload } from '../payloads.js'
import { type Sender, type SenderName, senderModule } from '../senders.js'
import { describeKeys, fingerprint, type KeyFlags, resolveKeys, type SenderKeys } from '../signing-keys.js'
import { addKeyOptions, senderOption } from './send.js'

/** The event type core answers 200 `ignored` after verification, checking the store but running no handler. */
const PROBE_EVENT = DOCTOR_EVENT

interface DoctorOptions extends KeyFlags {
  sender: SenderName
  timeout: number
  json?: boolean
}

interface Check {
  name: 'route' | 'probe'
  /** What was sent, for people. */
  request: string
  ok: boolean
  answer?: Answer
  diagnosis?: Diagnosis
}

export function registerDoctor(program: Command): void {
  const command = program
    .command('doctor')
    .description('check a deployed webhook endpoint end to end (route, raw body, URL, keys, store) without running any handler')
    .argument('<url>', 'the webhook endpoint, e.g. https://app.example.com/api/webhooks/upload')
    .addOption(senderOption())
    .option('--timeout <ms>', 'give up on an answer after this long', integer(1), 10_000)
    .option('--json', 'print one JSON object for scripts')
  addKeyOptions(command)
  command.addHelpText(
    'after',
    `
Checks, in order:
  route  GET must answer 405 with Allow: POST, or list POST on OPTIONS as Next.js does (the route is mounted here)
  probe  a signed ${PROBE_EVENT} delivery must answer 200 ignored: verified, no handler run,
         the dedupe store checked (a probe claim released at once), nothing lasting written
Each failure names the broken layer (network, tls, routing, body, url, keys, clock, store) and the fix.
Only fingerprints of the keys are printed (SHA-256, shortened), never the keys. Exit code 0 only when all pass.`,
  )
  command.action(action(doctor))
}

const allowsPost = (answer: Answer) => /\bPOST\b/i.test(answer.headers['allow'] ?? '')

/**
 * GET must be refused with 405 and `Allow: POST`. Next.js answers an unexported method 405 without
 * `Allow` and lists the methods on OPTIONS instead, so that counts too.
 */
async function routeCheck(url: string, timeoutMs: number, ctx: DiagnoseContext): Promise<Check> {
  const answer = await exchange(new Request(url, { method: 'GET' }), timeoutMs)
  const check: Check = { name: 'route', request: 'GET', ok: false, answer }
  if (answer.status === 405 && allowsPost(answer)) return { ...check, ok: true }
  if (answer.status === 405) {
    const options = await exchange(new Request(url, { method: 'OPTIONS' }), timeoutMs)
    if (options.status !== undefined && options.status < 300 && allowsPost(options)) return { ...check, request: 'GET, OPTIONS', ok: true }
  }
  const diagnosis = diagnose(answer, ctx)
  if (diagnosis && answer.status !== 405 && diagnosis.layer !== 'server') return { ...check, diagnosis }
  const allow = answer.headers['allow']
  return {
    ...check,
    diagnosis: {
      layer: 'routing',
      problem: `GET answered ${summarise(answer)}${allow ? ` (Allow: ${allow})` : ''}, not 405 with Allow: POST`,
      fix: 'point the URL at the webhook route itself (it answers every method but POST with 405), not at a page or another route',
    },
  }
}

function probeCheck(answer: Answer, ctx: DiagnoseContext): Check {
  const check: Check = { name: 'probe', request: `POST ${PROBE_EVENT}`, ok: false, answer }
  if (answer.status === 200 && answer.outcome === 'ignored') return { ...check, ok: true }
  if (answer.status === 200) {
    const diagnosis = {
      layer: 'handler',
      problem: `the probe was answered "${answer.outcome ?? answer.bodyText ?? ''}", not "ignored": something handled it`,
      fix: `remove any handler for ${PROBE_EVENT}; the probe must run none`,
    }
    return { ...check, diagnosis }
  }
  return { ...check, diagnosis: diagnose(answer, ctx)! }
}

function printChecks(url: string, sender: Sender, keys: SenderKeys, checks: Check[], ok: boolean): void {
  const paint = painter(process.stdout)
  console.log(`${paint('bold', 'doctor')} ${url} ${paint('grey', `(sender ${sender.id})`)}`)
  for (const line of describeKeys(sender, keys)) console.log(paint('grey', line))
  for (const check of checks) {
    const answered = check.answer ? `${summarise(check.answer)}, ${check.answer.ms} ms` : ''
    const mark = check.ok ? paint('green', '✓') : paint('red', '✗')
    console.log(`${mark} ${check.name.padEnd(6)} ${check.request} → ${answered}`)
    if (check.diagnosis) {
      console.log(`         ${paint('red', `${check.diagnosis.layer}:`)} ${check.diagnosis.problem}`)
      console.log(`         ${paint('cyan', 'fix:')} ${check.diagnosis.fix}`)
    }
  }
  console.log(ok ? paint('green', 'all checks passed') : paint('red', `${checks.filter((check) => !check.ok).length} check(s) failed`))
}

async function doctor(target: string, options: DoctorOptions): Promise<number> {
  const url = httpUrl(target, '<url>').toString()
  const sender = senderModule(options.sender)
  const keys = resolveKeys(sender, options)
  const keyLine =
    `${keys.signing.source} ${fingerprint(keys.signing.value)}` +
    (keys.next ? ` (next key: ${keys.next.source} ${fingerprint(keys.next.value)})` : '')
  const ctx: DiagnoseContext = { url, sender, keyLine }

  const checks: Check[] = []
  const route = await routeCheck(url, options.timeout, ctx)
  checks.push(route)
  // No answer at all: a probe would only repeat the same network failure.
  if (!route.answer?.networkError) {
    const body = JSON.stringify(probePayload(sender.id, PROBE_EVENT))
    const deliveryId = `doctor_${crypto.randomUUID().replace(/-/g, '')}`
    const request = await signedRequest({ sender, url, body, secret: keys.signing.value, deliveryId })
    checks.push(probeCheck(await exchange(request, options.timeout), ctx))
  }
  const ok = checks.length === 2 && checks.every((check) => check.ok)

  if (!options.json) printChecks(url, sender, keys, checks, ok)
  else {
    const fingerprints = Object.entries(keys).map(([role, key]) => [
      role,
      { source: key.source, fingerprint: fingerprint(key.value), dev: key.dev },
    ])
    printJson({
      ok,
      url,
      sender: sender.id,
      keys: Object.fromEntries(fingerprints),
      checks: checks.map(({ answer, ...check }) => ({
        ...check,
        ...(answer ? { answer: { ...answer, summary: summarise(answer) } } : {}),
      })),
    })
  }
  return ok ? 0 : 1
}
