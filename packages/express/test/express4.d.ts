// Express 4 is installed beside Express 5 under the `express4` alias; its API is typed close enough by @types/express.
declare module 'express4' {
  import express from 'express'
  export default express
}
