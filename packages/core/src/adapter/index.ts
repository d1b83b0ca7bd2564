// `@upload-webhooks/core/adapter`: the toolkit every framework adapter is a thin file over.
// Request in (body, URL), answer out; no policy lives in an adapter or here.
export {
  consumedBodyMessage,
  isRawBody,
  type NodeBodyOptions,
  type NodeRequestLike,
  nodeRequestBody,
  webRequestBody,
} from './node-request.js'
export { type NodeUrlSource, nodeRequestUrl, type RequestUrlParts, requestUrl, webRequestUrl } from './public-url.js'
export {
  type NodeResponseLike,
  toWebResponse,
  type WebResponseHeadLike,
  writeNodeHead,
  writeNodeResponse,
  writeWebHead,
} from './response.js'
