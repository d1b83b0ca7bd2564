// Runs once when `next start` / `next dev` starts. The check lives in a Node-only module, which
// the Edge build leaves out (it exits the process).
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { logWebhookSetupOrExit } = await import('./instrumentation-node.js')
    logWebhookSetupOrExit()
  }
}
