// h3 1.15 is installed beside h3 2 under the `h3-v1` alias; re-export its own typings.
declare module 'h3-v1' {
  export * from 'h3-v1/dist/index.mjs'
}
