// Starts and stops a real Redis Cluster of three masters on free loopback ports, for tests.
import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, type RunningRedis, startRedis } from './redis-server.js'

const run = promisify(execFile)

/** Path of the redis-cli binary (Debian's redis-server package ships it), or undefined. */
export function findRedisCli(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' })
  const path = found.stdout.trim()
  return found.status === 0 && path ? path : undefined
}

export interface RunningCluster {
  /** `127.0.0.1:<port>` of every master, the seed list a cluster client takes. */
  nodes: string[]
  stop(): Promise<void>
}

/** Distinct free ports: asked for one at a time, so the same port could come back twice. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < count) ports.add(await freePort())
  return [...ports]
}

async function clusterInfo(cli: string, port: number): Promise<string> {
  const { stdout } = await run(cli, ['-h', '127.0.0.1', '-p', String(port), 'CLUSTER', 'INFO'])
  return stdout
}

/** Every node must agree the cluster is ok: a client may seed from any of them. */
async function waitForClusterOk(cli: string, ports: number[]): Promise<void> {
  const started = Date.now()
  for (;;) {
    const infos = await Promise.all(ports.map((port) => clusterInfo(cli, port)))
    if (infos.every((info) => info.includes('cluster_state:ok'))) return
    if (Date.now() - started > 15_000) throw new Error(`Redis Cluster not ok within 15 s:\n${infos.join('\n')}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Starts `size` (default 3) cluster-enabled masters, joins them with `redis-cli --cluster create`
 * and waits until every node says `cluster_state:ok`. Each node's bus port is chosen free too,
 * since the default (port + 10 000) may be taken or above 65 535. Node configs live in a temp dir
 * removed on stop(); the servers are killed when this process exits, even without stop().
 */
export async function startRedisCluster(server: string, cli: string, size = 3): Promise<RunningCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'upload-webhooks-cluster-'))
  const ports = await distinctFreePorts(size * 2)
  const started: RunningRedis[] = []
  const killAll = () => {
    for (const node of started) node.process.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', killAll)
  const stop = async () => {
    process.removeListener('exit', killAll)
    await Promise.all(started.map((node) => node.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const masters = ports.slice(0, size)
    const nodes = await Promise.allSettled(
      masters.map((port, i) =>
        startRedis(
          server,
          port,
          [
            ['--cluster-enabled', 'yes'],
            ['--cluster-config-file', join(dir, `nodes-${port}.conf`)],
            ['--cluster-port', String(ports[size + i])],
            ['--dir', dir],
          ].flat(),
        ),
      ),
    )
    for (const node of nodes) if (node.status === 'fulfilled') started.push(node.value)
    const failed = nodes.find((node) => node.status === 'rejected')
    if (failed) throw failed.reason
    const addresses = masters.map((port) => `127.0.0.1:${port}`)
    await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'])
    await waitForClusterOk(cli, masters)
    return { nodes: addresses, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
