// The home page's live delivery log: renders GET /deliveries/stream (server-sent events) into
// two tables, newest first, and says whether the stream is connected. No framework: the same
// file sits in every example (test/e2e checks the copies stay identical).
;(() => {
  const root = document.getElementById('delivery-log')
  // Once per page, however often a framework's dev mode mounts the loader.
  if (!root || root.dataset.started) return
  root.dataset.started = 'true'
  const webhookPath = root.dataset.webhookPath || '/api/webhooks/upload'
  const endpoint = `${location.origin}${webhookPath}`
  const send = `pnpm --silent upload-webhooks send onUploadComplete --to ${endpoint}`

  const el = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag)
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
    for (const child of children) if (child !== undefined && child !== null) node.append(child)
    return node
  }
  const table = (caption, headers) => {
    const body = el('tbody')
    const head = el('tr', {}, ...headers.map((title) => el('th', { scope: 'col' }, title)))
    return { element: el('table', {}, el('caption', {}, caption), el('thead', {}, head), body), body }
  }

  const status = el('p', { id: 'delivery-log-status', role: 'status', 'data-state': 'connecting' }, 'Connecting to the live log…')
  const commands = el(
    'section',
    { id: 'delivery-log-empty', 'aria-labelledby': 'delivery-log-empty-title' },
    el('h2', { id: 'delivery-log-empty-title' }, 'No deliveries yet'),
    el('p', {}, 'From the repository root (after pnpm build), send this server a signed test delivery:'),
    el('pre', {}, el('code', {}, send)),
    el('p', {}, 'the same delivery twice (the second is a duplicate):'),
    el('pre', {}, el('code', {}, `${send} --repeat 2`)),
    el('p', {}, 'and one tampered with after signing (it must be rejected):'),
    el('pre', {}, el('code', {}, `${send} --tamper`)),
    el('p', {}, 'Each appears below as it arrives; this page updates by itself.'),
  )
  const deliveries = table('Delivery attempts, newest first (the last 100)', [
    'Time',
    'Sender',
    'Type',
    'Delivery ID',
    'Verdict',
    'Duration',
  ])
  const uploads = table('Received uploads, newest first', ['Name', 'Size', 'Type', 'Sender', 'Attempt', 'Link'])
  root.append(
    status,
    commands,
    el('section', { 'aria-label': 'Delivery attempts' }, deliveries.element),
    el('section', { 'aria-label': 'Received uploads' }, uploads.element),
  )

  const SYMBOLS = { processed: '✓', duplicate: '↺', ignored: '–', rejected: '✗', error: '!', accepted: '…' }
  const time = (iso) => new Date(iso).toLocaleTimeString(undefined, { hour12: false })
  const dash = (value) => (value === undefined || value === null || value === '' ? '—' : String(value))
  const size = (bytes) =>
    typeof bytes !== 'number' ? '—' : bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`

  function verdict(delivery) {
    const cell = el('td', { class: 'verdict' })
    cell.append(el('strong', {}, `${SYMBOLS[delivery.outcome] || ''} ${delivery.status} ${delivery.outcome}`))
    if (delivery.reason) cell.append(' ', el('code', {}, delivery.reason))
    if (delivery.explanation) cell.append(el('span', { class: 'explanation' }, delivery.explanation))
    return cell
  }

  function deliveryRow(delivery) {
    return el(
      'tr',
      { 'data-outcome': delivery.outcome },
      el('td', {}, el('time', { datetime: delivery.at }, time(delivery.at))),
      el('td', {}, dash(delivery.sender)),
      el('td', {}, dash(delivery.type)),
      el('td', { class: 'id' }, dash(delivery.deliveryId)),
      verdict(delivery),
      el('td', { class: 'number' }, `${delivery.durationMs.toFixed(1)} ms`),
    )
  }

  function uploadRow(upload) {
    const file = upload.file
    const link = file.url ? el('a', { href: file.url, rel: 'noreferrer' }, 'open') : '—'
    return el(
      'tr',
      {},
      el('td', {}, dash(file.name || file.id)),
      el('td', { class: 'number' }, size(file.size)),
      el('td', {}, dash(file.contentType)),
      el('td', {}, dash(upload.sender)),
      el('td', { class: 'number' }, String(upload.attempt)),
      el('td', {}, link),
    )
  }

  const emptyRow = (columns, text) => el('tr', {}, el('td', { colspan: String(columns), class: 'empty' }, text))

  function render(log) {
    commands.hidden = log.deliveries.length > 0
    deliveries.body.replaceChildren(...(log.deliveries.length ? log.deliveries.map(deliveryRow) : [emptyRow(6, 'None yet.')]))
    uploads.body.replaceChildren(...(log.uploads.length ? log.uploads.map(uploadRow) : [emptyRow(6, 'None yet.')]))
  }

  function connected(state, text) {
    status.dataset.state = state
    status.textContent = text
  }

  // A page the server rendered with the log in it paints that first.
  const initial = document.getElementById('delivery-log-data')
  const first = initial?.textContent ? JSON.parse(initial.textContent) : null
  if (first) render(first)

  // Polling where EventSource is missing; EventSource itself reconnects after a drop.
  if (!('EventSource' in window)) {
    const poll = () =>
      fetch('/deliveries')
        .then((response) => response.json())
        .then((log) => {
          render(log)
          connected('live', '● Live (polling every 2 s)')
        })
        .catch(() => connected('down', '○ Disconnected: retrying'))
    poll()
    setInterval(poll, 2000)
    return
  }
  const events = new EventSource('/deliveries/stream')
  events.onopen = () => connected('live', '● Live: new deliveries appear as they arrive')
  events.onerror = () => connected('down', '○ Disconnected: reconnecting…')
  events.onmessage = (message) => render(JSON.parse(message.data))
})()
