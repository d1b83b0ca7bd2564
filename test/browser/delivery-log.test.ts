// What a newcomer sees: each example's `pnpm dev`, its home page in Chromium, deliveries sent
// with the CLI. Every verdict must appear on the open page by itself, without a reload.
import { copyFileSync, mkdirSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../packages/cli/test/support/run-cli.js'
import { exampleDir, type RunningApp, startApp } from '../e2e/harness.js'
import { type Browser, launchChromium } from './chromium.js'

const OUTPUT = new URL('./output/', import.meta.url)
const WEBHOOK_PATH = '/api/webhooks/upload'
/** New rows must show within this long of the CLI's answer. */
const LIVE_MS = 5_000
/** A user's shell has none of the variables vitest sets, which make Nuxt's logger drop info lines. */
const USER_SHELL = { TEST: '', VITEST: '' }

describe.each(['express', 'nuxt', 'next'])('examples/%s: the live delivery log in a browser', (name) => {
  let app: RunningApp
  let browser: Browser
  let page: Page
  let endpoint: string
  const deliveryId = `msg_browser_${name}_${Date.now()}`

  beforeAll(async () => {
    ;[app, browser] = await Promise.all([startApp('pnpm', ['dev'], exampleDir(name), USER_SHELL), launchChromium()])
    endpoint = `${app.origin}${WEBHOOK_PATH}`
    page = await browser.context.newPage()
    await page.goto(app.origin)
    // Marks this document: a reload would lose the mark.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true))
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  const send = (...args: string[]) => runCli(['send', 'onUploadComplete', '--to', endpoint, ...args])
  const row = (outcome: string, text: string) => page.locator(`#delivery-log tbody tr[data-outcome="${outcome}"]`, { hasText: text })

  it('shows the empty state with the commands that send this server a delivery and a tampered one, and says it is live', async () => {
    const empty = page.locator('#delivery-log-empty')
    await empty.waitFor({ state: 'visible', timeout: LIVE_MS })
    const command = `pnpm --silent upload-webhooks send onUploadComplete --to ${endpoint}`
    await expect.poll(() => empty.textContent()).toContain(command)
    expect(await empty.textContent()).toContain(`${command} --tamper`)
    await page.locator('#delivery-log-status[data-state="live"]').waitFor({ timeout: LIVE_MS })
    expect(await page.locator('#delivery-log table th[scope="col"]').count()).toBe(12)
  })

  it('a processed delivery and its upload appear without a reload', async () => {
    expect((await send('--id', deliveryId)).code).toBe(0)
    await row('processed', deliveryId).waitFor({ timeout: LIVE_MS })
    expect(await row('processed', deliveryId).textContent()).toMatch(/200 processed/)
    await page.locator('#delivery-log tbody tr', { hasText: 'photo.jpg' }).waitFor({ timeout: LIVE_MS })
    expect(await page.locator('#delivery-log-empty').isHidden()).toBe(true)
  })

  it('a tampered delivery shows as rejected with its reason and explanation; a repeat as duplicate', async () => {
    expect((await send('--tamper')).code).toBe(0)
    await row('rejected', 'body_hash_mismatch').waitFor({ timeout: LIVE_MS })
    expect(await row('rejected', 'body_hash_mismatch').textContent()).toMatch(/401 rejected.*tampered/)
    expect((await send('--id', deliveryId)).code).toBe(0)
    await row('duplicate', deliveryId).waitFor({ timeout: LIVE_MS })
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true)
  })

  it('logs one line per delivery in the terminal, the rejection at warn', async () => {
    await expect
      .poll(() => app.output(), { timeout: LIVE_MS })
      .toMatch(new RegExp(`\\[delivery\\] 200 processed · qstash onUploadComplete ${deliveryId}`))
    expect(app.output()).toMatch(/\[delivery\] 401 rejected body_hash_mismatch/)
    expect(app.output()).toMatch(new RegExp(`\\[delivery\\] 200 duplicate · qstash onUploadComplete ${deliveryId}`))
  })

  it('saves a screenshot', async () => {
    mkdirSync(OUTPUT, { recursive: true })
    const file = new URL(`${name}.png`, OUTPUT)
    await page.screenshot({ path: file.pathname, fullPage: true })
    // `UPDATE_SCREENSHOTS=1` refreshes the one each example's README shows.
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(`${exampleDir(name)}docs`, { recursive: true })
      copyFileSync(file, `${exampleDir(name)}docs/delivery-log.png`)
    }
  })
})
