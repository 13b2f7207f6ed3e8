/**
 * How every reference design runs on a node: its program (nodes/<design>.mjs, plus nodes/lib.mjs) and a
 * JSON config are uploaded at setup, then `node <program> <config>` is started through startDaemon (so
 * the clock nemesis's shim applies). kill/pause/resume signal that process; `start` restarts it with a
 * `restart` argument so it can tell a restart from the first boot. State lives in DATA_DIR, wiped at setup.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { signalDaemon, startDaemon, stopDaemon } from '../../src/cluster/daemon.ts';
import type { NodeRef, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { type OptionsSchema, opt, optionsSchema } from '../../src/core/options.ts';
import type { Remote } from '../../src/core/remote.ts';
import { FAULTLINE_VERSION } from '../../src/util/package-version.ts';
import { REFERENCE_PORT, referenceClient } from './client.ts';

export const DIR = '/var/lib/faultline-ref';
export const LOG = '/var/log/faultline/reference.log';
const DAEMON = 'reference';
const NODE_BIN = '/usr/bin/node';

export interface ReferenceDesign {
  design: string;
  description: string;
  modes: string[];
  workloads: string[];
  /** Asks each node who the primary is (for `--opt partitionTargets=primaries`). */
  primaries?: boolean;
  /** The `--opt` keys its node program reads (nodes/<design>.mjs). */
  options?: OptionsSchema;
}

function remoteOf(node: NodeRef): Remote {
  if (!node.remote) throw new Error(`reference: node ${node.name} has no remote (it needs a cluster)`);
  return node.remote;
}

const source = (file: string) => readFileSync(new URL(`./nodes/${file}`, import.meta.url), 'utf8');

/** Options the node programs may read: the primitive ones. */
function nodeOptions(options: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(options))
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  return out;
}

async function waitHealthy(remote: Remote, ms: number, signal: AbortSignal): Promise<void> {
  const until = performance.now() + ms;
  let last = '';
  while (performance.now() < until) {
    signal.throwIfAborted();
    try {
      const r = await fetch(`http://${remote.ip}:${REFERENCE_PORT}/health`, {
        method: 'POST',
        signal: AbortSignal.timeout(1000),
      });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await delay(100);
  }
  throw new Error(`${remote.name}: reference node not answering after ${ms} ms (${last}; see ${LOG})`);
}

export function createReferenceSystem(d: ReferenceDesign, mode: string): System {
  const start = async (node: NodeRef, restart: boolean) => {
    const remote = remoteOf(node);
    await startDaemon(remote, {
      name: DAEMON,
      argv: [NODE_BIN, `${DIR}/${d.design}.mjs`, `${DIR}/config.json`, ...(restart ? ['restart'] : [])],
      logFile: LOG,
      cwd: DIR,
    });
  };
  const system: System = {
    name: `reference/${d.design}`,
    needsCluster: true,
    packages: ['nodejs'],
    async setup(test: RunContext, node: NodeRef) {
      const remote = remoteOf(node);
      await remote.run(['rm', '-rf', DIR]);
      await remote.run(['mkdir', '-p', DIR, '/var/log/faultline']);
      await remote.upload(`${DIR}/lib.mjs`, source('lib.mjs'));
      await remote.upload(`${DIR}/${d.design}.mjs`, source(`${d.design}.mjs`));
      const config = {
        id: node.name,
        nodes: test.remotes.map((r) => ({ name: r.name, ip: r.ip })),
        port: REFERENCE_PORT,
        mode,
        options: nodeOptions(test.options),
        dataDir: DIR,
      };
      await remote.upload(`${DIR}/config.json`, JSON.stringify(config, null, 2));
      await start(node, false);
      // Generous: three node processes starting on a loaded 2-core machine took more than 15 s.
      await waitHealthy(remote, 60_000, test.signal);
    },
    async teardown(_test, node) {
      if (node.remote) await stopDaemon(node.remote, DAEMON, 2000);
    },
    async start(test, node) {
      await start(node, true);
      await waitHealthy(remoteOf(node), 10_000, test.signal);
    },
    kill: async (_t, node) => void (await signalDaemon(remoteOf(node), DAEMON, 'KILL')),
    pause: async (_t, node) => void (await signalDaemon(remoteOf(node), DAEMON, 'STOP')),
    resume: async (_t, node) => void (await signalDaemon(remoteOf(node), DAEMON, 'CONT')),
    logFiles: () => [LOG],
    // The node programs are faultline's own code (nodes/*.mjs): their version is faultline's.
    version: async () => `reference/${d.design} (faultline ${FAULTLINE_VERSION})`,
    clients: Object.fromEntries(d.workloads.map((w) => [w, referenceClient(w)])),
  };
  if (d.primaries) system.primaries = (test) => askPrimaries(test);
  return system;
}

/** The nodes that currently believe they are the primary (by /status). */
async function askPrimaries(test: RunContext): Promise<string[]> {
  const answers = await Promise.all(
    test.remotes.map(async (r) => {
      try {
        // Generous: on a loaded machine a node's event loop runs seconds late, and a partition of the
        // primaries that finds none is a fault that did not happen.
        const res = await fetch(`http://${r.ip}:${REFERENCE_PORT}/status`, {
          method: 'POST',
          signal: AbortSignal.timeout(5000),
        });
        const s = (await res.json()) as { isPrimary?: boolean };
        return s.isPrimary ? r.name : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return answers.filter((x): x is string => x !== undefined);
}

export function referenceDescriptor(d: ReferenceDesign): SystemDescriptor {
  return {
    name: `reference/${d.design}`,
    description: d.description,
    modes: d.modes,
    // Every node program reads these through nodes/lib.mjs (timeouts that follow the machine's speed).
    options: optionsSchema({
      adaptiveTimeouts: opt.bool(),
      timeoutScaleMax: opt.number(1, 1000),
      ...(d.options?.shape ?? {}),
    }),
    create: (mode) => createReferenceSystem(d, mode),
  };
}
