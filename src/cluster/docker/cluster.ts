/**
 * A run's nodes as Docker containers on their own bridge network. Everything is labelled with the run id;
 * a failed or aborted provision removes what it made before rethrowing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type Docker from 'dockerode';
import type { Cluster, ClusterEvent, NodeSpec, Remote } from '../../core/remote.ts';
import type { Logger } from '../../util/log.ts';
import { silentLogger } from '../../util/log.ts';
import { cleanByLabel } from './clean.ts';
import {
  connectEngine,
  type Engine,
  engineErrorMessage,
  engineGoneMessage,
  errorLine,
  isUnreachable,
  pingEngine,
} from './engine.ts';
import { customImage, ensureImage, type Flavour, type ImageResult } from './image.ts';
import { checkRunId, LABEL_NODE, newRunId, runLabels } from './labels.ts';
import { DockerRemote } from './remote.ts';
import { chooseSubnet, hostAddress, nodeAddress } from './subnet.ts';
import { unpackTar } from './tar.ts';
import { watchCluster } from './watch.ts';

export const DEFAULT_SUBNET_POOL = '10.77.0.0/16';

export interface DockerClusterOptions {
  runId?: string;
  engine?: Engine;
  /** Image flavour built on demand when neither NodeSpec.image nor `image` is given. Default 'debian'. */
  flavour?: Flavour;
  /** A user-named image used as is (`--image`). */
  image?: string;
  /** Packages for the flavour image. */
  packages?: readonly string[];
  /** Rebuild the flavour image even when cached. */
  forceImage?: boolean;
  /** Pool the run's subnet is cut from, avoiding every existing Docker network. */
  subnetPool?: string;
  subnetPrefix?: number;
  /** Capabilities for every node. Default NET_ADMIN (iptables/tc through exec on remote engines). */
  capAdd?: readonly string[];
  /** Environment of every node's processes. */
  env?: Record<string, string>;
  logger?: Logger;
}

/** Docker's own errors when two runs pick the same subnet at once. */
const SUBNET_CLASH = /overlap|already in use|address space/i;

export class DockerCluster implements Cluster {
  readonly runId: string;
  readonly engine: Engine;
  readonly #opts: DockerClusterOptions;
  readonly #log: Logger;
  #networkId: string | null = null;
  #containerIds: string[] = [];
  #remotes: DockerRemote[] = [];
  #subnet: string | null = null;
  #image: ImageResult | null = null;
  /** Node names by position (n1…nN unless the spec named them). */
  #names: string[] = [];

  constructor(opts: DockerClusterOptions = {}) {
    this.runId = checkRunId(opts.runId ?? newRunId());
    this.engine = opts.engine ?? connectEngine();
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger;
  }

  get networkName(): string {
    return `faultline-${this.runId}`;
  }

  get subnet(): string | null {
    return this.#subnet;
  }

  get image(): ImageResult | null {
    return this.#image;
  }

  get remotes(): readonly DockerRemote[] {
    return this.#remotes;
  }

  /** The container of the i-th node (1-based), named after the node. */
  containerName(i: number): string {
    return `faultline-${this.runId}-${this.#names[i - 1] ?? `n${i}`}`;
  }

  async provision(spec: NodeSpec, signal?: AbortSignal): Promise<Remote[]> {
    if (this.#remotes.length > 0 || this.#networkId)
      throw new Error(`run ${this.runId} is already provisioned`);
    if (!Number.isInteger(spec.count) || spec.count < 1 || spec.count > 200) {
      throw new Error(`node count must be 1..200, got ${spec.count}`);
    }
    this.#names = nodeNames(spec);
    const t0 = performance.now();
    try {
      signal?.throwIfAborted();
      const image = await this.#ensureImage(spec, signal);
      this.#image = image;
      signal?.throwIfAborted();
      await this.#createNetwork(spec);
      signal?.throwIfAborted();
      // Requests are never cut mid-flight: an aborted create could still happen in the engine after we
      // gave up on it, and escape the clean-up. Instead each step completes and the signal is checked between.
      const created = await settleAll(
        Array.from({ length: spec.count }, (_, k) => this.#createNode(k + 1, spec, image)),
      );
      signal?.throwIfAborted();
      await settleAll(created.map((c) => c.start()));
      signal?.throwIfAborted();
      this.#remotes = await settleAll(created.map((c, k) => this.#remoteFor(k + 1, c)));
      this.#log.info(
        `provisioned ${spec.count} nodes on ${this.#subnet} (run ${this.runId}) in ${Math.round(performance.now() - t0)} ms`,
      );
      return [...this.#remotes];
    } catch (err) {
      const problems = await this.destroy();
      for (const p of problems) this.#log.warn(`clean-up after failed provision: ${p}`);
      if (signal?.aborted)
        throw new Error(`provisioning of run ${this.runId} aborted; its containers were removed`);
      if (isUnreachable(err))
        throw new Error(engineGoneMessage(engineErrorMessage(err, this.engine.endpoint), this.runId));
      throw err;
    }
  }

  /** Throws "the engine went away" when it no longer answers a ping. */
  async #throwIfEngineGone(): Promise<void> {
    try {
      await pingEngine(this.engine, 2000);
    } catch (err) {
      throw new Error(engineGoneMessage(errorLine(err), this.runId));
    }
  }

  /**
   * Watches the run's containers through the engine's event stream: a container that dies or is
   * removed without faultline's crash nemesis doing it is a lost node; an event stream that ends, or an
   * engine that stops answering pings (every 2 s), is a lost engine. Reported once each.
   */
  watch(onEvent: (e: ClusterEvent) => void): () => void {
    return watchCluster({
      engine: this.engine,
      runId: this.runId,
      nodes: () => this.#remotes,
      onEvent,
      logger: this.#log,
    });
  }

  async #ensureImage(spec: NodeSpec, signal?: AbortSignal): Promise<ImageResult> {
    const ref = spec.image ?? this.#opts.image;
    if (ref) return customImage(this.engine, ref, this.#log);
    return ensureImage(this.engine, {
      flavour: this.#opts.flavour ?? 'debian',
      packages: this.#opts.packages ?? [],
      force: this.#opts.forceImage ?? false,
      logger: this.#log,
      ...(signal ? { signal } : {}),
    });
  }

  async #createNetwork(spec: NodeSpec): Promise<void> {
    const pool = this.#opts.subnetPool ?? DEFAULT_SUBNET_POOL;
    const prefix = this.#opts.subnetPrefix ?? 24;
    const tried: string[] = [];
    for (let attempt = 0; attempt < 16; attempt++) {
      const taken = (await this.engine.docker.listNetworks()).flatMap(
        (n) => n.IPAM?.Config?.map((c) => c.Subnet ?? '') ?? [],
      );
      const subnet = chooseSubnet(pool, taken, prefix, tried);
      if (!subnet) throw new Error(`no free /${prefix} left in subnet pool ${pool}: run \`faultline clean\``);
      if (spec.count + 10 >= 2 ** (32 - prefix) - 1)
        throw new Error(`${spec.count} nodes do not fit in a /${prefix}`);
      try {
        const net = await this.engine.docker.createNetwork({
          Name: this.networkName,
          Driver: 'bridge',
          CheckDuplicate: true,
          IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: hostAddress(subnet, 1) }] },
          Labels: runLabels(this.runId, spec.labels),
        });
        this.#networkId = net.id;
        this.#subnet = subnet;
        this.#log.debug(`network ${this.networkName} created on ${subnet}`);
        return;
      } catch (err) {
        if (!SUBNET_CLASH.test(String((err as Error).message))) throw err;
        tried.push(subnet); // Another run took it between our look and our create.
      }
    }
    throw new Error(`could not allocate a subnet from ${pool} after 16 attempts`);
  }

  async #createNode(i: number, spec: NodeSpec, image: ImageResult): Promise<Docker.Container> {
    const name = this.#names[i - 1]!;
    const ip = nodeAddress(this.#subnet as string, i);
    const env = Object.entries(this.#opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const container = await this.engine.docker.createContainer({
      name: this.containerName(i),
      Hostname: name,
      Image: image.image,
      Entrypoint: image.entrypoint,
      Cmd: [],
      Env: env,
      Labels: { ...runLabels(this.runId, spec.labels), [LABEL_NODE]: name },
      HostConfig: {
        NetworkMode: this.networkName,
        CapAdd: [...(this.#opts.capAdd ?? ['NET_ADMIN'])],
        Binds: [...image.binds, ...(spec.mounts ?? [])],
        Init: image.init,
        AutoRemove: false,
      },
      NetworkingConfig: {
        EndpointsConfig: {
          // The alias makes the node names resolvable through the engine's DNS on this network only.
          [this.networkName]: { IPAMConfig: { IPv4Address: ip }, Aliases: [name] },
        },
      },
    });
    this.#containerIds.push(container.id);
    this.#log.debug(`created ${this.containerName(i)} (${ip})`);
    return container;
  }

  async #remoteFor(i: number, c: Docker.Container): Promise<DockerRemote> {
    const info = await c.inspect();
    const ip = info.NetworkSettings.Networks[this.networkName]?.IPAddress ?? '';
    const name = this.#names[i - 1]!;
    if (!info.State.Running) {
      // An engine shutting down stops every container: name the engine, not the node.
      await this.#throwIfEngineGone();
      throw new Error(`node ${name} stopped right after starting: ${info.State.Error || 'no error'}`);
    }
    return new DockerRemote({
      engine: this.engine,
      name,
      ip,
      containerId: c.id,
      pid: info.State.Pid ?? 0,
    });
  }

  async collect(files: Record<string, string[]>, dir: string): Promise<string[]> {
    const written: string[] = [];
    await Promise.all(
      this.#remotes.map(async (r) => {
        const paths = [...(files['*'] ?? []), ...(files[r.name] ?? [])];
        for (const p of paths) {
          try {
            const stream = await this.engine.docker.getContainer(r.containerId).getArchive({ path: p });
            const entries = await unpackTar(stream as unknown as import('node:stream').Readable, 512 << 20);
            for (const e of entries) {
              if (e.type !== 'file') continue;
              // Entry names are relative to the folder holding `p`; never let one climb out of dir/<node>.
              const rel = normalize(join(dirname(p), e.name)).replace(/^(\.\.(\/|$))+/, '');
              const local = join(dir, r.name, rel);
              await mkdir(dirname(local), { recursive: true });
              await writeFile(local, e.data);
              written.push(local);
            }
          } catch (err) {
            this.#log.warn(`collect ${r.name}:${p}: ${engineErrorMessage(err, this.engine.endpoint)}`);
          }
        }
      }),
    );
    return written.sort();
  }

  async destroy(): Promise<string[]> {
    try {
      const r = await cleanByLabel(this.engine.docker, this.runId, {
        containers: this.#containerIds,
        networks: this.#networkId ? [this.#networkId] : [],
      });
      if (r.problems.length === 0) {
        this.#containerIds = [];
        this.#networkId = null;
        this.#remotes = [];
      }
      this.#log.debug(
        `run ${this.runId}: removed ${r.containers.length} containers, ${r.networks.length} networks`,
      );
      return r.problems;
    } catch (err) {
      return [engineErrorMessage(err, this.engine.endpoint)];
    }
  }
}

/** The node names a spec asks for: its `names` (checked), or n1…nN. */
export function nodeNames(spec: NodeSpec): string[] {
  if (!spec.names) return Array.from({ length: spec.count }, (_, k) => `n${k + 1}`);
  const names = [...spec.names];
  if (names.length !== spec.count)
    throw new Error(`${names.length} node names given for ${spec.count} nodes`);
  const bad = names.find((n) => !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(n));
  if (bad !== undefined)
    throw new Error(
      `node name ${JSON.stringify(bad)} cannot be a hostname: use letters, digits, '.', '_' or '-'`,
    );
  const dup = names.find((n, k) => names.indexOf(n) !== k);
  if (dup !== undefined) throw new Error(`node name ${dup} is given twice`);
  return names;
}

/** Like Promise.all, but waits for every promise to settle before rejecting, so nothing is left in flight. */
async function settleAll<T>(ps: Promise<T>[]): Promise<T[]> {
  const rs = await Promise.allSettled(ps);
  const bad = rs.find((r) => r.status === 'rejected');
  if (bad) throw (bad as PromiseRejectedResult).reason;
  return rs.map((r) => (r as PromiseFulfilledResult<T>).value);
}
