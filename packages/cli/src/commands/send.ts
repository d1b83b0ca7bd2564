// `upload-webhooks send <event> --to <url>`: a signed delivery, as the sender would post it, like `stripe trigger`.
import { createHash, randomUUID } from 'node:crypto'
import { type Command, Option } from 'commander'
import { action, httpUrl, integer } from '../action.js'
import { type Answer, exchange, signedRequest, summarise } from '../delivery.js'
import { type Diagnosis, diagnose } from '../diagnose.js'
import { note, type Paint, painter, printJson, statusColour } from '../output.js'
import { buildPayload, knownEvents, readData } from '../payloads.js'
import { type SenderName, senderModule, senderNames } from '../senders.js'
import { describeKeys, fingerprint, type KeyFlags, resolveKeys } from '../signing-keys.js'

interface SendOptions extends KeyFlags {
  to: string
  sender: SenderName
  data?: string
  id?: string
  repeat: number
  timeout: number
  json?: boolean
  tamper?: boolean
}

const idPrefix: Record<SenderName, string> = {
  qstash: 'msg_cli_',
  sonuslab: 'dlv_cli_',
  uploadcare: '',
  'standard-webhooks': 'msg_cli_',
  cloudinary: '',
}

export function addKeyOptions(command: Command): Command {
  return command
    .option('--secret <secret>', 'HMAC senders: the webhook secret (default: the env variable core reads, else the public dev secret)')
    .option('--current-key <key>', 'QStash: the current signing key (default: QSTASH_CURRENT_SIGNING_KEY, else the public dev key)')
    .option('--next-key <key>', 'QStash: the next signing key, only fingerprinted (default: QSTASH_NEXT_SIGNING_KEY, else the dev key)')
}

export function senderOption(): Option {
  return new Option('--sender <name>', 'which sender to imitate').choices(senderNames).default('qstash')
}

export function registerSend(program: Command): void {
  const command = program
    .command('send')
    .description('POST one signed delivery of <event> to a webhook endpoint and print what it answered')
    .argument('<event>', `event type, e.g. ${[...new Set(senderNames.map((name) => knownEvents(name)[0]))].join(', ')}`)
    .requiredOption('--to <url>', 'the webhook endpoint, e.g. http://localhost:3000/api/webhooks/upload')
    .addOption(senderOption())
    .option('--data <json|@file>', 'JSON merged over the default payload (objects merge, other values replace)')
    .option('--id <delivery-id>', 'delivery ID (QStash message ID, webhook-id, ...); default: a fresh one')
    .option('--repeat <n>', 'send the same delivery n times in all (2 = a duplicate test)', integer(1), 1)
    .option('--timeout <ms>', 'give up on an answer after this long', integer(1), 10_000)
    .option('--json', 'print one JSON object for scripts')
    .option('--tamper', 'change the body after signing it, as an attacker in transit would: the endpoint must refuse it (exit 0 on a 401)')
  addKeyOptions(command)
  command.addHelpText(
    'after',
    `
Default payloads per sender: ${senderNames.map((name) => `${name}: ${knownEvents(name).join(', ')}`).join('; ')}.
Any other event type reuses the sender's first payload with that type.
Exit code 0 only when every attempt got a 2xx answer.

Examples:
  upload-webhooks send onUploadComplete --to http://localhost:3000/api/webhooks/upload
  upload-webhooks send onUploadComplete --to http://localhost:3000/api/webhooks/upload --repeat 2
  upload-webhooks send onUploadComplete --to http://localhost:3000/api/webhooks/upload --tamper
  upload-webhooks send upload.completed --sender sonuslab --to http://localhost:3000/api/webhooks/upload --data '{"data":{"file":{"name":"a.wav"}}}'`,
  )
  command.action(action(send))
}

type Attempt = Answer & { attempt: number }

/** The signed request with one field added to its body: its signature no longer covers what is sent. */
async function tampered(request: Request): Promise<Request> {
  const body = JSON.parse(await request.text()) as Record<string, unknown>
  return new Request(request.url, { method: request.method, headers: request.headers, body: JSON.stringify({ ...body, tampered: true }) })
}

/** Everything about the delivery that stays the same across `--repeat`s. */
function prepare(event: string, options: SendOptions) {
  const url = httpUrl(options.to, '--to').toString()
  const sender = senderModule(options.sender)
  const keys = resolveKeys(sender, options)
  const body = JSON.stringify(buildPayload(sender.id, event, options.data === undefined ? undefined : readData(options.data)))
  // Uploadcare and Cloudinary send no delivery ID: core dedupes their deliveries on the body's SHA-256.
  const deliveryId = sender.deliveryIdFromBody
    ? createHash('sha256').update(body).digest('hex')
    : (options.id ?? `${idPrefix[sender.id]}${randomUUID().replace(/-/g, '')}`)
  const sign = (attempt: number) =>
    signedRequest({
      sender,
      url,
      body,
      secret: keys.signing.value,
      deliveryId,
      // QStash numbers its retries of a message; the first delivery is 0.
      ...(sender.id === 'qstash' ? { headers: { 'upstash-retried': String(attempt - 1) } } : {}),
    })
  return { url, sender, keys, deliveryId, sign }
}

type Prepared = ReturnType<typeof prepare>

function printHeader({ url, sender, keys, deliveryId }: Prepared, event: string, options: SendOptions, paint: Paint): void {
  console.log(`${paint('bold', 'POST')} ${url}`)
  console.log(
    paint('grey', `sender ${sender.id} · event ${event} · delivery ${deliveryId}${sender.deliveryIdFromBody ? ' (body hash)' : ''}`),
  )
  for (const line of describeKeys(sender, keys)) console.log(paint('grey', line))
  if (sender.deliveryIdFromBody && options.id) note(`--id is ignored for ${sender.id}: it sends no delivery ID, so the body hash is the ID`)
  console.log(paint('bold', '#   answer                         time'))
}

function printAttempt(answer: Attempt, paint: Paint): void {
  const accepted = /^(processed|duplicate|ignored)$/.test(answer.outcome ?? '')
  const detail = answer.message && !accepted ? paint('grey', `  ${answer.message}`) : ''
  console.log(
    `${String(answer.attempt).padEnd(3)} ${paint(statusColour(answer.status), summarise(answer).padEnd(30))} ${answer.ms} ms${detail}`,
  )
}

function printOutcome(attempts: Attempt[], diagnosis: Diagnosis | undefined, event: string, paint: Paint): void {
  if (diagnosis) {
    console.log(`\n${paint('red', `✗ ${diagnosis.layer}:`)} ${diagnosis.problem}\n  ${paint('cyan', 'fix:')} ${diagnosis.fix}`)
  } else if (attempts.some((answer) => answer.outcome === 'ignored')) {
    // Accepted, but no handler ran: worth a word, since the user probably wanted one to.
    console.log(
      paint('yellow', `\nignored: verified, but no handler ran for ${event} (none registered, or the type belongs to another sender)`),
    )
  }
}

async function send(event: string, options: SendOptions): Promise<number> {
  const prepared = prepare(event, options)
  const { url, sender, keys, deliveryId, sign } = prepared
  const paint = painter(process.stdout)
  const json = options.json === true
  // Signed before anything is printed: a sender core cannot sign fails with nothing half-shown.
  const signed = (attempt: number) => (options.tamper ? sign(attempt).then(tampered) : sign(attempt))
  let request = await signed(1)
  if (!json) printHeader(prepared, event, options, paint)
  else if (keys.signing.dev) note(`${sender.env[0]} is not set: signed with the public development key`)

  const attempts: Attempt[] = []
  for (let attempt = 1; attempt <= options.repeat; attempt++) {
    if (attempt > 1) request = await signed(attempt)
    const answer = { attempt, ...(await exchange(request, options.timeout)) }
    attempts.push(answer)
    if (!json) printAttempt(answer, paint)
  }

  if (options.tamper) return tamperOutcome(attempts, json, paint)
  const failed = attempts.find((answer) => answer.status === undefined || answer.status < 200 || answer.status >= 300)
  const keyLine = `${keys.signing.source} ${fingerprint(keys.signing.value)}`
  const diagnosis = failed ? diagnose(failed, { url, sender, keyLine }) : undefined
  if (!json) printOutcome(attempts, diagnosis, event, paint)
  else {
    const signingKey = { source: keys.signing.source, fingerprint: fingerprint(keys.signing.value), dev: keys.signing.dev }
    printJson({ ok: !failed, sender: sender.id, event, url, deliveryId, signingKey, attempts, ...(diagnosis ? { diagnosis } : {}) })
  }
  return failed ? 1 : 0
}

/** With `--tamper` the endpoint passes when it refuses every attempt as not authentic (401). */
function tamperOutcome(attempts: Attempt[], json: boolean, paint: Paint): number {
  const accepted = attempts.find((answer) => answer.status !== 401)
  if (json) printJson({ ok: !accepted, tampered: true, attempts })
  else if (accepted) {
    console.log(`\n${paint('red', '✗ tampered body not refused:')} the endpoint answered ${accepted.status ?? 'nothing'}, not 401`)
  } else console.log(paint('green', '\n✓ refused as it should be: the body changed after signing'))
  return accepted ? 1 : 0
}
