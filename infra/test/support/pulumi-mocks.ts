import * as pulumi from '@pulumi/pulumi'

export const PROJECT = 'upload-webhooks'
export const STACK = 'test'

/** One resource the programme registered, with its inputs as the engine would see them. */
export interface RecordedResource {
  type: string
  name: string
  custom: boolean
  /** Inputs with secrets unwrapped. */
  inputs: Record<string, any>
  /** Top-level input names that arrived marked secret. */
  secretInputs: string[]
}

/** Outputs the real providers would compute, so components have something to read. */
function computedOutputs(type: string, inputs: Record<string, any>): Record<string, unknown> {
  if (type === 'pulumi-nodejs:dynamic/qstash:SigningKeys') return { current: 'sig_current_mock', next: 'sig_next_mock' }
  if (type === 'random:index/randomPassword:RandomPassword') return { result: 'uploadcare-signing-secret-mock-32' }
  if (type === 'pulumi-nodejs:dynamic/uploadcare:Webhook') return { webhookId: 1, project: 13 }
  if (type === 'cloudflare:index/queue:Queue') return { queueId: `${inputs.queueName}-queue-id` }
  if (type === 'upstash:index/redisDatabase:RedisDatabase') {
    return { endpoint: `${inputs.databaseName}.upstash.io`, restToken: 'redis-rest-token-mock', password: 'pw' }
  }
  return {}
}

/**
 * Installs Pulumi mocks that record every registered resource. Inputs are echoed back as
 * state (secret markers included, as the engine would), plus provider-computed outputs.
 */
export function installMocks(): RecordedResource[] {
  const recorded: RecordedResource[] = []
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const secretInputs: string[] = []
        const inputs: Record<string, any> = {}
        for (const [k, v] of Object.entries(args.inputs as Record<string, unknown>)) {
          if (pulumi.runtime.isRpcSecret(v)) secretInputs.push(k)
          inputs[k] = pulumi.runtime.unwrapRpcSecret(v)
        }
        recorded.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs, secretInputs })
        const computed = computedOutputs(args.type, inputs)
        return { id: args.custom === false ? undefined : `${args.name}-id`, state: { ...args.inputs, ...computed } }
      },
      call(args) {
        return args.inputs
      },
    },
    PROJECT,
    STACK,
    false,
  )
  return recorded
}

/** Resolves an Output's value (mocks resolve everything, also during updates). */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)))
}

/** Resolves once every given resource finished registering. */
export async function settled(...resources: pulumi.Resource[]): Promise<void> {
  await Promise.all(resources.map((r) => outputValue(r.urn)))
}

/** The recorded custom resources of `type`. */
export function ofType(recorded: RecordedResource[], type: string): RecordedResource[] {
  return recorded.filter((r) => r.type === type)
}

/** Sets this stack's config from `key: value` pairs (keys without the project prefix). */
export function setStackConfig(values: Record<string, string>, secretKeys: string[] = []): void {
  const all: Record<string, string> = {}
  for (const [k, v] of Object.entries(values)) all[`${PROJECT}:${k}`] = v
  pulumi.runtime.setAllConfig(
    all,
    secretKeys.map((k) => `${PROJECT}:${k}`),
  )
}

/** Awaits the registration of a component and of every resource reachable from its fields. */
export async function settleTree(root: pulumi.Resource): Promise<void> {
  const seen = new Set<pulumi.Resource>()
  const visit = (r: pulumi.Resource) => {
    if (seen.has(r)) return
    seen.add(r)
    for (const v of Object.values(r)) if (pulumi.Resource.isInstance(v)) visit(v)
  }
  visit(root)
  await settled(...seen)
}
