// What `dlq retry|delete` acts on, for either dead-letter queue: the IDs given, or (--all) every listed one after a yes.
import { confirm } from './confirm.js'
import { CliError } from './output.js'

export type BulkVerb = 'retry' | 'delete'

export interface BulkFlags {
  all?: boolean
  yes?: boolean
}

export interface TargetSource {
  /** What the IDs are called: `DLQ IDs`, `job IDs`. */
  noun: string
  /** The `dlq list` invocation that prints them. */
  listCommand: string
  listAll(): Promise<string[]>
  /** The confirmation question for acting on `count` of them. */
  question(verb: BulkVerb, count: number): string
}

/** The exact IDs to act on; undefined when the user said no. */
export async function targetIds(verb: BulkVerb, ids: string[], flags: BulkFlags, source: TargetSource): Promise<string[] | undefined> {
  if (flags.all && ids.length > 0) throw new CliError(`pass ${source.noun} or --all, not both`)
  if (!flags.all) {
    if (ids.length === 0)
      throw new CliError(`nothing to ${verb}: no ${source.noun} given`, `pass ${source.noun} from \`${source.listCommand}\`, or --all`)
    return ids
  }
  if (!flags.yes && (!process.stdin.isTTY || !process.stderr.isTTY)) {
    throw new CliError(`dlq ${verb} --all needs confirmation, and there is no terminal to ask on`, 'pass --yes to run it without asking')
  }
  const all = await source.listAll()
  if (all.length === 0) return all
  return (await confirm(source.question(verb, all.length), flags)) ? all : undefined
}
