// Next ships Vercel's edge-runtime sandbox precompiled, without typings; this is the part the test uses.
declare module 'next/dist/compiled/edge-runtime' {
  export class EdgeRuntime {
    constructor(options?: Record<string, unknown>)
    evaluate<T = unknown>(code: string): T
  }
}
