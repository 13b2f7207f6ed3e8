/**
 * Network partitions: a grudge (node → nodes it drops traffic from) applied as INPUT DROP rules in
 * faultline's own chain in every node's namespace; healed by removing exactly that chain. After applying,
 * every cut pair is probed over TCP; a pair that still talks fails the op loudly.
 */
import { hostExec } from '../src/cluster/docker/host-exec.ts';
import type { Invocation } from '../src/core/generator.ts';
import type {
  FaultKind,
  Nemesis,
  NemesisDescriptor,
  NemesisOptions,
  NemesisPackage,
  RunContext,
} from '../src/core/index.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { Rng } from '../src/core/rng.ts';
import {
  awaitPrimaries,
  errText,
  familyPackage,
  healFailed,
  NOT_IN_EFFECT,
  nodeUp,
  notInEffect,
  optList,
  PRIMARIES_WAIT_MS,
  remoteOf,
  settle,
  tcpReachable,
  unknownNodes,
} from './common.ts';
import { isCrashed } from './crashed.ts';
import { setActiveCut } from './cuts.ts';
import { ensureChain, removeChain, setRules } from './iptables.ts';
import type { FaultCycle } from './schedule.ts';
import {
  blockedPairs,
  type Grudge,
  grudgeFor,
  isolate,
  TOPOLOGIES,
  type Topology,
  validateGrudge,
} from './topology.ts';

export const PARTITION_CHAIN = 'FAULTLINE';
const HOOKS = ['INPUT'] as const;

/** The op value: the topology it came from and the grudge (filled in at fault time for `primaries`). */
export interface PartitionValue {
  topology: Topology | 'grudge';
  grudge?: Grudge;
}

/** The partition family's faults: start-partition opens a window, stop-partition heals it. */
export const partitionFaults: FaultKind[] = [
  {
    family: 'partition',
    start: ['start-partition'],
    stop: ['stop-partition'],
    events: [],
    value: { kind: 'grudge' },
    valueDoc:
      '{topology, grudge}: the grudge maps each node to the nodes whose traffic it drops (filled in at fault time for topology primaries)',
    color: '#6c5ce7',
  },
];

/** `partitionGrudge`: an explicit grudge, JSON text or an object ({"n1":["n2","n3"]}). */
export function explicitGrudge(
  options: Record<string, unknown> | undefined,
  nodes: readonly string[],
): Grudge | undefined {
  const v = options?.partitionGrudge;
  if (v === undefined || v === '') return undefined;
  const g = (typeof v === 'string' ? JSON.parse(v) : v) as Grudge;
  const bad = validateGrudge(g, nodes);
  if (bad) throw new Error(`option partitionGrudge: ${bad}`);
  if (blockedPairs(g).length === 0)
    throw new Error(
      'option partitionGrudge cuts nothing: give at least one node a node to drop, like {"n1":["n2"]}',
    );
  return g;
}

/**
 * The partition family's schedule. Throws (a UserError once wrapped by the registry) for a test of fewer
 * than 2 nodes, where no grudge can cut anything, and for unknown topologies or a bad grudge.
 */
export function partitionCycle(opts: NemesisOptions): FaultCycle {
  if (opts.nodes.length < 2)
    throw new Error(
      `partition needs at least 2 nodes (this test has ${opts.nodes.length}): add nodes or drop it from --nemesis`,
    );
  const grudge = explicitGrudge(opts.options, opts.nodes);
  const topologies = optList(
    opts.options,
    'partitionTargets',
    grudge ? ['grudge'] : ['one', 'majority', 'majorities-ring'],
  );
  for (const t of topologies) {
    if (t === 'grudge' ? !grudge : !(TOPOLOGIES as readonly string[]).includes(t))
      throw new Error(
        t === 'grudge'
          ? 'partitionTargets names grudge but no partitionGrudge option is given'
          : `unknown partition topology '${t}': choose from ${[...TOPOLOGIES, 'grudge'].join(', ')}`,
      );
  }
  return {
    name: 'partition',
    start(rng) {
      const t = rng.pick(topologies) as Topology | 'grudge';
      if (t === 'primaries') return { f: 'start-partition', value: { topology: t } };
      const g = t === 'grudge' ? (grudge as Grudge) : grudgeFor(t, opts.nodes, rng);
      return { f: 'start-partition', value: { topology: t, grudge: g } satisfies PartitionValue };
    },
    stop: () => ({ f: 'stop-partition', value: null }),
  };
}

export function partitionNemesis(opts: NemesisOptions): Nemesis {
  let applied: Grudge | undefined;
  const apply = async (test: RunContext, grudge: Grudge) => {
    const ipOf = (n: string) => remoteOf(test, n).ip;
    // Every node gets its rules replaced (an empty chain for nodes without a grudge): partitions never stack.
    const errs = await settle(test.nodes, async (n) => {
      const r = remoteOf(test, n);
      try {
        await ensureChain(r, PARTITION_CHAIN, HOOKS);
      } catch (err) {
        // Crashed by the crash family: nothing to cut there now. Any other node that does not answer
        // is a partition not in effect.
        if (isCrashed(test, n) && !(await nodeUp(test, n))) return;
        throw err;
      }
      await setRules(
        r,
        PARTITION_CHAIN,
        (grudge[n] ?? []).map((from) => ['-s', `${ipOf(from)}/32`, '-j', 'DROP']),
      );
    });
    if (errs.length) throw new Error(errs.join('; '));
  };
  /** Pairs (a, b) where b can still reach a although a drops b. */
  const leaks = async (test: RunContext, grudge: Grudge) => {
    const up = await Promise.all(test.nodes.map((n) => nodeUp(test, n)));
    const live = new Set(test.nodes.filter((_, i) => up[i]));
    const pairs = blockedPairs(grudge).filter(([a, b]) => live.has(a) && live.has(b));
    const open = await Promise.all(
      pairs.map(([a, b]) => tcpReachable(remoteOf(test, b), remoteOf(test, a).ip)),
    );
    return pairs.filter((_, i) => open[i]).map(([a, b]) => `${b}->${a}`);
  };
  const heal = async (test: RunContext): Promise<string[]> => {
    const errs = await settle(test.nodes, async (n) => {
      try {
        await removeChain(remoteOf(test, n), PARTITION_CHAIN, HOOKS);
      } catch (err) {
        // A node the crash family crashed lost its namespace (and our chain with it): nothing to heal
        // there. Any other node that does not answer (an SSH host whose port 22 is cut) may still hold
        // the chain and its DROP rules: the heal failed.
        if (isCrashed(test, n) && !(await nodeUp(test, n))) return;
        throw new Error(
          (await nodeUp(test, n))
            ? errText(err)
            : `${n}: unreachable (not crashed by the crash family), chain ${PARTITION_CHAIN} may still be in place: ${errText(err)}`,
        );
      }
    });
    if (errs.length) return errs;
    const was = applied;
    applied = undefined;
    setActiveCut(test, undefined);
    if (!was) return [];
    const up = await Promise.all(test.nodes.map((n) => nodeUp(test, n)));
    const live = test.nodes.filter((_, i) => up[i]);
    const g: Grudge = Object.fromEntries(
      Object.entries(was)
        .filter(([a]) => live.includes(a))
        .map(([a, from]) => [a, from.filter((b) => live.includes(b))]),
    );
    // A probe that times out on a loaded machine is not proof of a cut: re-probe the silent pairs, more
    // patiently each time, before calling the heal failed. On a 2-core machine at load 20, pairs whose
    // rules were gone stayed silent (even to the host) for more than 14 s and then answered: the last
    // probe waits 16 s more.
    let pending = blockedPairs(g);
    for (const timeoutMs of [2000, 4000, 8000, 16_000]) {
      if (pending.length === 0) break;
      const open = await Promise.all(
        pending.map(([a, b]) => tcpReachable(remoteOf(test, b), remoteOf(test, a).ip, timeoutMs)),
      );
      pending = pending.filter((_, i) => !open[i]);
    }
    if (pending.length === 0) return [];
    // What is still cut stays known as cut to the other families (the run fails on this heal anyway).
    const left: Grudge = {};
    for (const [a, b] of pending) left[a] = [...(left[a] ?? []), b];
    setActiveCut(test, left);
    const stillCut = pending.map(([a, b]) => `${b}->${a}`);
    return [`still cut after healing: ${stillCut.join(' ')}${await diagnoseCut(test, pending)}`];
  };
  return {
    name: 'partition',
    fs: ['start-partition', 'stop-partition'],
    async invoke(test: RunContext, op: Invocation) {
      if (op.f === 'stop-partition') {
        const errs = await heal(test);
        return errs.length ? healFailed(errs.join('; ')) : { type: 'ok', value: null };
      }
      const v = (op.value ?? {}) as PartitionValue;
      let grudge: Grudge;
      try {
        if (v.grudge) grudge = v.grudge;
        else if (v.topology === 'primaries') {
          if (!opts.system?.primaries)
            return { type: 'fail', error: 'the system cannot report its primaries' };
          const p = await awaitPrimaries((t) => opts.system!.primaries!(t), test);
          if (p.length === 0)
            return {
              type: 'fail',
              fault: 'no-target',
              error: `no primaries known: the system reported no leader for ${PRIMARIES_WAIT_MS / 1000} s`,
            };
          grudge = isolate(test.nodes, p);
        } else grudge = grudgeFor(v.topology as Topology, test.nodes, new Rng(test.seed));
        const bad = validateGrudge(grudge, test.nodes);
        if (bad) return { type: 'fail', error: bad };
        // A grudge that cuts nothing is no partition: never recorded ok (nor drawn as a fault). Nothing is
        // applied. Primaries that are every node leave nothing to isolate them from: no target.
        if (blockedPairs(grudge).length === 0)
          return {
            type: 'fail',
            value: { topology: v.topology, grudge },
            ...(v.topology === 'primaries'
              ? {
                  fault: 'no-target' as const,
                  error: 'every node is a primary: nothing to isolate them from',
                }
              : {
                  fault: 'not-in-effect' as const,
                  error: `${NOT_IN_EFFECT}: the grudge cuts nothing (${test.nodes.length} node(s))`,
                }),
          };
        const missing = unknownNodes(test, [...Object.keys(grudge), ...Object.values(grudge).flat()]);
        if (missing.length)
          return { type: 'fail', error: `no such node(s) in this run: ${[...new Set(missing)].join(', ')}` };
      } catch (err) {
        return { type: 'fail', error: errText(err) };
      }
      try {
        applied = grudge;
        // Known to the other families from now on, even if applying fails half-way.
        setActiveCut(test, grudge);
        await apply(test, grudge);
      } catch (err) {
        return {
          type: 'info',
          value: { topology: v.topology, grudge },
          error: `partition failed: ${errText(err)}`,
        };
      }
      const open = await leaks(test, grudge);
      if (open.length)
        return {
          ...notInEffect(`still reachable: ${open.join(' ')}`),
          value: { topology: v.topology, grudge },
        };
      return { type: 'ok', value: { topology: v.topology, grudge } };
    },
    async teardown(test: RunContext) {
      if (test.remotes.length === 0) return; // never provisioned: nothing to heal
      const errs = await heal(test).catch((err: unknown) => [errText(err)]);
      for (const e of errs) test.log.error(`partition: heal failed: ${e}`);
      if (errs.length) throw new Error(`partition: heal failed: ${errs.join('; ')}`);
    },
  };
}

/**
 * Why pairs are still silent after a heal, for the error and the run log: the rules left in each
 * receiving node's filter table (anything dropping there is not ours any more), and whether the host
 * itself reaches the node (silence from the host too means the node, not a rule, is the problem).
 */
async function diagnoseCut(test: RunContext, pairs: readonly (readonly [string, string])[]): Promise<string> {
  const targets = [...new Set(pairs.map(([a]) => a))];
  const notes = await Promise.all(
    targets.map(async (n) => {
      const r = remoteOf(test, n);
      const rules = await r
        .netExec(['iptables-save', '-t', 'filter'], { timeoutMs: 10_000 })
        .then((x) => x.stdout)
        .catch((err: unknown) => `iptables-save failed: ${errText(err)}`);
      test.log.error(`partition: ${n} filter table after a failed heal:\n${rules}`);
      const drops = rules.split('\n').filter((l) => /^-A .*-j (DROP|REJECT)/.test(l));
      const fromHost = await hostReaches(r.ip);
      return `${n}: ${drops.length ? `drop rules left: ${drops.join(' | ')}` : 'no drop rules'}, host ${fromHost}`;
    }),
  );
  return ` (${notes.join('; ')})`;
}

/**
 * Probes a node from the faultline machine (the Docker host, or the machine that reaches SSH hosts):
 * 'reaches it', 'gets silence', or why it could not.
 */
async function hostReaches(ip: string): Promise<string> {
  const r = await hostExec(
    ['timeout', '2', 'bash', '--norc', '--noprofile', '-c', 'exec 3<>"/dev/tcp/$0/1"', ip],
    {
      timeoutMs: 7000,
    },
  );
  if (r.exitCode === 0 || /refused/i.test(r.stderr)) return 'reaches it';
  if (r.timedOut || r.exitCode === 124) return 'gets silence too';
  return `cannot probe (${r.stderr.trim().split('\n')[0] ?? r.exitCode})`;
}

/** Is `v` a grudge, as an object or its JSON text? (Its node names are checked against the nodes at build.) */
function isGrudge(v: unknown): boolean {
  let g = v;
  if (typeof v === 'string') {
    try {
      g = JSON.parse(v);
    } catch {
      return false;
    }
  }
  return (
    typeof g === 'object' &&
    g !== null &&
    !Array.isArray(g) &&
    Object.values(g).every((xs) => Array.isArray(xs) && xs.every((x) => typeof x === 'string'))
  );
}

/** The partition family's `--opt` keys (nemeses/README.md); the grudge is checked against the nodes at build. */
export const partitionOptions = optionsSchema({
  partitionTargets: opt.listOf([...TOPOLOGIES, 'grudge']),
  partitionGrudge: opt.check('a grudge: JSON object of node → nodes it drops, like {"n1":["n2"]}', isGrudge),
});

export const partitionDescriptor: NemesisDescriptor = {
  options: partitionOptions,
  name: 'partition',
  description:
    'network partitions (grudges from topologies: one, majority, majorities-ring, bridge, primaries, …) with iptables',
  faults: partitionFaults,
  create(opts): NemesisPackage {
    return familyPackage(
      partitionNemesis(opts),
      partitionCycle(opts),
      opts,
      [{ f: 'stop-partition', value: null }],
      partitionFaults,
    );
  },
};
