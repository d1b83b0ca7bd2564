// Whether this runs in a Nitro (Nuxt) production build, which users start without NODE_ENV
// (`node .output/server/index.mjs`, as `nuxt build` suggests). docs/architecture.md, "Senders".

const nitroGlobals = globalThis as {
  /** Set by the entry of every Node server Nitro builds, before any of its code runs. */
  _importMeta_?: unknown
  process?: { env?: Record<string, string | undefined> }
}

/**
 * True in a server Nitro built for production. Inlined, this module's `import.meta.dev` reads as
 * Nitro's own build flag; left external (a package from npm), the Nitro entry's global is there
 * and only Nitro's dev worker has NITRO_DEV_WORKER_ID.
 */
export function inNitroProductionBuild(): boolean {
  // Spelled out, not cast: Nitro's bundler replaces this exact text. Untyped outside Nitro.
  // @ts-expect-error
  const dev: unknown = import.meta.dev
  if (typeof dev === 'boolean') return !dev
  return nitroGlobals._importMeta_ !== undefined && nitroGlobals.process?.env?.['NITRO_DEV_WORKER_ID'] === undefined
}
