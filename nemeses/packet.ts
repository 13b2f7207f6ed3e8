/**
 * Packet faults on target nodes' traffic (all of it, or only to/from given peers):
 * - loss: iptables `-m statistic --mode random` DROP, both directions, in faultline's own chains;
 * - bandwidth: an htb qdisc on the node's interface (egress);
 * - delay: egress packets queued with NFQUEUE to fl-delay, a small C helper in the node's image that
 *   holds each packet for the delay and releases them in order. Chosen over a TCP delay proxy because it
 *   needs no knowledge of the system's ports, delays every protocol, and leaves addresses untouched;
 *   chosen over netem because this kernel has none (and then one implementation serves everywhere);
 * - duplicate, reorder, corrupt: netem only — refused up front where the local kernel lacks it (Docker);
 *   over SSH the host's kernel is asked when the fault is applied.
 */
import { execFileSync } from 'node:child_process';
import {
  FAULT_HELPER_PREFIX,
  RUN_DIR,
  signalDaemon,
  startDaemon,
  stopDaemon,
} from '../src/cluster/daemon.ts';
import { DELAY_BIN, nodeHelpers } from '../src/cluster/node-helpers/index.ts';
import type { Invocation } from '../src/core/generator.ts';
import type {
  Completion,
  FaultKind,
  Nemesis,
  NemesisDescriptor,
  NemesisOptions,
  NemesisPackage,
  RunContext,
} from '../src/core/index.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import type { Remote } from '../src/core/remote.ts';
import {
  errText,
  familyPackage,
  healFailed,
  netRun,
  nodeUp,
  notInEffect,
  optList,
  readOptions,
  remoteOf,
  settle,
  unknownNodes,
} from './common.ts';
import { isCrashed } from './crashed.ts';
import { activeCut, cutBetween } from './cuts.ts';
import { ensureChain, removeChain, setRules } from './iptables.ts';
import type { FaultCycle } from './schedule.ts';
import { FIXED_TARGETS_WHAT, isFixedTargetSpec, parseTargetSpec, resolveTargets } from './targets.ts';
import type { Grudge } from './topology.ts';

export const PACKET_KINDS = ['loss', 'delay', 'bandwidth', 'duplicate', 'reorder', 'corrupt'] as const;
export type PacketKind = (typeof PACKET_KINDS)[number];
export const NETEM_ONLY: readonly PacketKind[] = ['duplicate', 'reorder', 'corrupt'];

/** The packet family's `--opt` keys (nemeses/README.md). */
export const packetOptions = optionsSchema({
  packetKinds: opt.listOf(PACKET_KINDS),
  packetTargets: opt.list(FIXED_TARGETS_WHAT, isFixedTargetSpec),
  packetPeers: opt.list('node names like n1+n2', (s) => /^[A-Za-z0-9._-]+(\+[A-Za-z0-9._-]+)*$/.test(s)),
  packetLoss: opt.number(0, 1),
  packetDelayMs: opt.number(0.1, 60_000, 'ms'),
  packetRate: opt.text(
    /^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/,
    'a tc rate like 512kbit or 10mbit',
  ),
  packetDuplicate: opt.number(0, 1),
  packetReorder: opt.number(0, 1),
  packetCorrupt: opt.number(0, 1),
});

/** A packet fault: which nodes, optionally only towards which peers, and what happens to their packets. */
export interface PacketValue {
  nodes: string[];
  peers?: string[];
  /** Probability (0..1) each packet is dropped. */
  loss?: number;
  delayMs?: number;
  /** tc rate, e.g. 1mbit. */
  rate?: string;
  /** netem percentages (0..1). */
  duplicate?: number;
  reorder?: number;
  corrupt?: number;
  /**
   * Completions only: targets whose fault was applied but could not be measured, and why (every peer
   * that could probe it cut off by an active partition, or down).
   */
  unchecked?: string;
  /** Completions only: targets left out because, with `peers`, they had no peer but themselves. */
  skipped?: string;
}

/**
 * The peers that may probe `target`'s delay, in order: the candidates (the fault's peers, else every
 * node) except the target and those `cut` (the active partition's grudge) separates from it, which are
 * returned apart as `cutOff`. Pure.
 */
export function delayProbes(
  target: string,
  candidates: readonly string[],
  cut: Grudge | undefined,
): { probes: string[]; cutOff: string[] } {
  const others = candidates.filter((p) => p !== target);
  return {
    probes: others.filter((p) => !cutBetween(cut, p, target)),
    cutOff: others.filter((p) => cutBetween(cut, p, target)),
  };
}

/** The packet family's faults: start-packet opens a window (replacing any earlier one), stop-packet heals. */
export const packetFaults: FaultKind[] = [
  {
    family: 'packet',
    start: ['start-packet'],
    stop: ['stop-packet'],
    events: [],
    value: { kind: 'packet' },
    valueDoc:
      '{nodes, peers?, loss? (probability 0..1), delayMs? (ms), rate? (tc rate, e.g. 1mbit), duplicate?, reorder?, corrupt? (probabilities 0..1); on completion unchecked? (targets no peer outside an active partition could measure)}',
    color: '#16a085',
  },
];

const LOSS_IN = 'FAULTLINE-LOSS-IN';
const LOSS_OUT = 'FAULTLINE-LOSS-OUT';
const DELAY = 'FAULTLINE-DELAY';
const QUEUE = '4242';
/** The delay helper's daemon name: a fault helper (the process families leave it alone). */
const DELAYER = `${FAULT_HELPER_PREFIX}delay`;

let netemCache: boolean | undefined;
/**
 * Does this kernel have sch_netem? Tried once in a throwaway network namespace on the faultline host:
 * the kernel of local containers (an up-front check; over SSH the host's own tc answers at fault time).
 */
export function hasNetem(): boolean {
  if (netemCache !== undefined) return netemCache;
  try {
    execFileSync('unshare', ['-n', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    netemCache = true;
  } catch {
    netemCache = false;
  }
  return netemCache;
}

export function packetCycle(opts: NemesisOptions): FaultCycle {
  const o = opts.options;
  const kinds = optList(o, 'packetKinds', ['loss', 'delay', 'bandwidth']) as PacketKind[];
  for (const k of kinds)
    if (!PACKET_KINDS.includes(k))
      throw new Error(`unknown packet fault '${k}': choose from ${PACKET_KINDS.join(', ')}`);
  const specs = optList(o, 'packetTargets', ['one', 'minority', 'all']).map(parseTargetSpec);
  const peers = optList(o, 'packetPeers', []).flatMap((s) => s.split('+'));
  const bad = peers.filter((p) => !opts.nodes.includes(p));
  if (bad.length) throw new Error(`option packetPeers names unknown node(s) ${bad.join(', ')}`);
  // A peer-limited fault disturbs only traffic with peers other than the target: with one node there is none.
  if (peers.length && opts.nodes.length < 2)
    throw new Error(
      `option packetPeers needs at least 2 nodes (this test has ${opts.nodes.length}): drop packetPeers`,
    );
  const v = readOptions(packetOptions, o);
  const params = {
    loss: v.packetLoss ?? 0.2,
    delayMs: v.packetDelayMs ?? 100,
    rate: v.packetRate ?? '1mbit',
    duplicate: v.packetDuplicate ?? 0.05,
    reorder: v.packetReorder ?? 0.25,
    corrupt: v.packetCorrupt ?? 0.01,
  };
  if (!/^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/.test(params.rate))
    throw new Error(`option packetRate=${params.rate}: use a tc rate like 512kbit or 10mbit`);
  return {
    name: 'packet',
    start(rng) {
      const kind = rng.pick(kinds);
      const nodes = resolveTargets(
        rng.pick(specs.filter((s) => s !== 'primaries')) ?? 'one',
        opts.nodes,
        rng,
      );
      const key = kind === 'bandwidth' ? 'rate' : kind === 'delay' ? 'delayMs' : kind;
      const v: PacketValue = { nodes, ...(peers.length ? { peers } : {}), [key]: params[key] };
      return { f: 'start-packet', value: v };
    },
    stop: () => ({ f: 'stop-packet', value: null }),
  };
}

/** The interface that carries the node's cluster address. */
async function netDevice(r: Remote): Promise<string> {
  const out = await netRun(r, ['ip', '-o', '-4', 'addr', 'show']);
  const line = out.split('\n').find((l) => l.includes(` ${r.ip}/`));
  const dev = line?.split(/\s+/)[1];
  if (!dev) throw new Error(`${r.name}: no interface has ${r.ip}`);
  return dev.replace(/@.*$/, '');
}

/**
 * Round-trip time (ms) of a TCP connect from `from` to `toIp` (closed port: refused at once), best of 3;
 * NaN when no connect answered within 60 s (a silent pair: nothing was measured).
 */
export async function connectRtt(from: Remote, toIp: string): Promise<number> {
  const script =
    'best=; for i in 1 2 3; do s=$(date +%s%N); (exec 3<>"/dev/tcp/$0/1") 2>/dev/null; e=$(date +%s%N); d=$((e-s)); if [ -z "$best" ] || [ $d -lt $best ]; then best=$d; fi; done; echo $best';
  const r = await from.netExec(['timeout', '60', 'bash', '--norc', '--noprofile', '-c', script, toIp], {
    timeoutMs: 65_000,
  });
  const out = r.stdout.trim();
  return /^\d+$/.test(out) ? Number(out) / 1e6 : Number.NaN;
}

/**
 * The iptables rules (argv after `-A CHAIN`) of a packet fault's chain: `action` for the peers' traffic
 * (`dir` -s on INPUT, -d on OUTPUT), or all traffic without peers. First, a RETURN for the faultline
 * machine's address (`controlIp`, SSH runs): faultline's own control connection is never disturbed.
 * Pure.
 */
export function exemptRules(
  dir: '-s' | '-d',
  peerIps: readonly string[],
  action: readonly string[],
  controlIp: string | undefined,
): string[][] {
  const matches = peerIps.length ? peerIps.map((ip) => [dir, `${ip}/32`]) : [[]];
  return [
    ...(controlIp ? [[dir, `${controlIp}/32`, '-j', 'RETURN']] : []),
    ...matches.map((m) => [...m, ...action]),
  ];
}

/**
 * The tc commands (argv after `tc`) of a bandwidth fault on `dev`: an htb root whose default class has
 * `rate` (or, with peers, 10gbit and a `rate` class the peers' traffic is filtered into); traffic to
 * `controlIp` (faultline's SSH connection) goes to a 10gbit class of its own. Pure.
 */
export function bandwidthCommands(
  dev: string,
  rate: string,
  peerIps: readonly string[],
  controlIp: string | undefined,
): string[][] {
  const filter = (ip: string, flow: string) => [
    'filter',
    'add',
    'dev',
    dev,
    'parent',
    '1:',
    'protocol',
    'ip',
    'prio',
    '1',
    'u32',
    'match',
    'ip',
    'dst',
    `${ip}/32`,
    'flowid',
    flow,
  ];
  return [
    ['qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '1'],
    [
      'class',
      'replace',
      'dev',
      dev,
      'parent',
      '1:',
      'classid',
      '1:1',
      'htb',
      'rate',
      peerIps.length ? '10gbit' : rate,
    ],
    ...(peerIps.length
      ? [['class', 'replace', 'dev', dev, 'parent', '1:', 'classid', '1:2', 'htb', 'rate', rate]]
      : []),
    ...peerIps.map((ip) => filter(ip, '1:2')),
    ...(controlIp
      ? [
          ['class', 'replace', 'dev', dev, 'parent', '1:', 'classid', '1:3', 'htb', 'rate', '10gbit'],
          filter(controlIp, '1:3'),
        ]
      : []),
  ];
}

/**
 * The tc commands (argv after `tc`) of a netem fault (`netem`: its parameters) on `dev`. Without a
 * control address, netem is the root qdisc. With one, the root is a 2-band prio qdisc sending all
 * traffic to band 2 (1:2), where netem sits, except traffic to `controlIp`, filtered to band 1 (1:1,
 * a plain fifo): faultline's SSH connection is neither duplicated, reordered nor corrupted. Pure.
 */
export function netemCommands(
  dev: string,
  netem: readonly string[],
  controlIp: string | undefined,
): string[][] {
  if (!controlIp) return [['qdisc', 'replace', 'dev', dev, 'root', 'netem', ...netem]];
  return [
    [
      'qdisc',
      'replace',
      'dev',
      dev,
      'root',
      'handle',
      '1:',
      'prio',
      'bands',
      '2',
      'priomap',
      ...Array<string>(16).fill('1'),
    ],
    ['qdisc', 'replace', 'dev', dev, 'parent', '1:2', 'handle', '20:', 'netem', ...netem],
    [
      'filter',
      'add',
      'dev',
      dev,
      'parent',
      '1:',
      'protocol',
      'ip',
      'prio',
      '1',
      'u32',
      'match',
      'ip',
      'dst',
      `${controlIp}/32`,
      'flowid',
      '1:1',
    ],
  ];
}

export function packetNemesis(_opts: NemesisOptions): Nemesis {
  let active: PacketValue | undefined;
  const applyNode = async (test: RunContext, n: string, v: PacketValue) => {
    const r = remoteOf(test, n);
    const peerIps = (v.peers ?? []).filter((p) => p !== n).map((p) => remoteOf(test, p).ip);
    const ctl = await r.controlIp?.();
    if (v.loss !== undefined) {
      const p = ['-m', 'statistic', '--mode', 'random', '--probability', String(v.loss), '-j', 'DROP'];
      await ensureChain(r, LOSS_IN, ['INPUT']);
      await setRules(r, LOSS_IN, exemptRules('-s', peerIps, p, ctl));
      await ensureChain(r, LOSS_OUT, ['OUTPUT']);
      await setRules(r, LOSS_OUT, exemptRules('-d', peerIps, p, ctl));
    }
    if (v.delayMs !== undefined) {
      await stopDaemon(r, DELAYER, 2000);
      await startDaemon(r, {
        name: DELAYER,
        argv: [DELAY_BIN, QUEUE, String(v.delayMs)],
        logFile: `${RUN_DIR}/${DELAYER}.log`,
      });
      await ensureChain(r, DELAY, ['OUTPUT']);
      await setRules(
        r,
        DELAY,
        exemptRules('-d', peerIps, ['-j', 'NFQUEUE', '--queue-num', QUEUE, '--queue-bypass'], ctl),
      );
    }
    if (v.rate !== undefined) {
      const dev = await netDevice(r);
      for (const c of bandwidthCommands(dev, v.rate, peerIps, ctl)) await netRun(r, ['tc', ...c]);
    }
    const netem: string[] = [];
    if (v.duplicate !== undefined) netem.push('duplicate', `${v.duplicate * 100}%`);
    if (v.corrupt !== undefined) netem.push('corrupt', `${v.corrupt * 100}%`);
    if (v.reorder !== undefined) netem.push('delay', '10ms', 'reorder', `${(1 - v.reorder) * 100}%`);
    if (netem.length) {
      const dev = await netDevice(r);
      for (const c of netemCommands(dev, netem, ctl)) {
        // Asked of the node's own kernel (an SSH host's is not faultline's): tc refuses an unknown qdisc.
        const q = await r.netExec(['tc', ...c], { timeoutMs: 20_000 });
        if (q.exitCode !== 0)
          throw new Error(
            /unknown|not found|No such file/i.test(q.stderr)
              ? `${n}: this kernel has no netem (duplicate, reorder and corrupt need it): ${q.stderr.trim().split('\n')[0]}`
              : `${n}: tc ${c.slice(0, 2).join(' ')} exited ${q.exitCode}: ${q.stderr.trim().split('\n')[0]}`,
          );
      }
    }
  };
  /**
   * Is the delay in effect? For each target, the round trip of a TCP connect from a peer the active
   * partition leaves talking to it (cuts.ts) must be at least 0.8× the delay: a probe across a cut would
   * measure the partition, not this fault. Targets that no such peer can probe are listed, with why.
   */
  const verify = async (
    test: RunContext,
    v: PacketValue,
  ): Promise<{ problems: string[]; unchecked: string[] }> => {
    const problems: string[] = [];
    const unchecked: string[] = [];
    if (v.delayMs === undefined) return { problems, unchecked };
    await settle(v.nodes, async (n) => {
      if (!(await nodeUp(test, n))) return; // a crashed node has no traffic to delay
      const { probes, cutOff } = delayProbes(n, v.peers ?? test.nodes, activeCut(test));
      let probe: string | undefined;
      for (const p of probes)
        if (await nodeUp(test, p)) {
          probe = p;
          break;
        }
      if (!probe) {
        const why = [
          cutOff.length ? `the active partition cuts it from ${cutOff.join(', ')}` : '',
          probes.length ? `${probes.join(', ')} ${probes.length > 1 ? 'are' : 'is'} down` : '',
        ].filter(Boolean);
        if (why.length) unchecked.push(`${n}: ${why.join(' and ')}`);
        return;
      }
      const rtt = await connectRtt(remoteOf(test, probe), remoteOf(test, n).ip);
      if (Number.isNaN(rtt))
        problems.push(`${probe}->${n} got no answer to a TCP connect (the pair is not cut by a partition)`);
      else if (rtt < 0.8 * v.delayMs!)
        problems.push(`${probe}->${n} round trip ${rtt.toFixed(1)} ms, less than the ${v.delayMs} ms delay`);
    });
    return { problems, unchecked };
  };
  const healNode = async (test: RunContext, n: string) => {
    const r = remoteOf(test, n);
    if (!(await nodeUp(test, n))) {
      // A node the crash family crashed lost its rules and qdiscs with its namespace; any other node
      // that does not answer may still hold them.
      if (isCrashed(test, n)) return;
      throw new Error(
        `${n}: unreachable (not crashed by the crash family): packet rules may still be in place`,
      );
    }
    await removeChain(r, DELAY, ['OUTPUT']);
    await signalDaemon(r, DELAYER, 'TERM'); // it lets every held packet go, then exits
    await stopDaemon(r, DELAYER, 2000);
    await removeChain(r, LOSS_IN, ['INPUT']);
    await removeChain(r, LOSS_OUT, ['OUTPUT']);
    const dev = await netDevice(r);
    const q = await netRun(r, ['tc', 'qdisc', 'show', 'dev', dev]);
    if (/qdisc (htb 1:|prio 1:|netem)/.test(q)) await netRun(r, ['tc', 'qdisc', 'del', 'dev', dev, 'root']);
    const after = await netRun(r, ['tc', 'qdisc', 'show', 'dev', dev]);
    if (/qdisc (htb 1:|prio 1:|netem)/.test(after))
      throw new Error(`${n}: qdisc still in place: ${after.trim()}`);
  };
  const heal = (test: RunContext) => settle(test.nodes, (n) => healNode(test, n));
  return {
    name: 'packet',
    fs: ['start-packet', 'stop-packet'],
    async invoke(test: RunContext, op: Invocation): Promise<Completion> {
      if (op.f === 'stop-packet') {
        const errs = await heal(test);
        active = undefined;
        return errs.length ? healFailed(errs.join('; ')) : { type: 'ok', value: null };
      }
      let v = op.value as PacketValue;
      const unknown = unknownNodes(test, [...(v?.nodes ?? []), ...(v?.peers ?? [])]);
      if (!v?.nodes?.length || unknown.length)
        return { type: 'fail', error: `bad packet fault target: ${unknown.join(', ') || 'no nodes'}` };
      // With peers, a target disturbs only its traffic with peers other than itself; a target with none
      // would (with no peer rules) disturb all its traffic instead. Such targets are left out; if none is
      // left, nothing was aimed at: a fail (certainly not applied), never ok.
      if (v.peers) {
        const peers = v.peers;
        const alone = v.nodes.filter((n) => !peers.some((p) => p !== n));
        if (alone.length === v.nodes.length)
          return {
            type: 'fail',
            value: v,
            fault: 'no-target',
            error: `no peer to disturb: the targets ${v.nodes.join(', ')} have no peer other than themselves among ${peers.join(', ')}`,
          };
        if (alone.length)
          v = {
            ...v,
            nodes: v.nodes.filter((n) => !alone.includes(n)),
            skipped: `no peer but themselves: ${alone.join(', ')}`,
          };
      }
      if (active) await heal(test); // one packet fault at a time: the new one replaces the old
      active = v;
      const errs = await settle(v.nodes, async (n) => {
        try {
          await applyNode(test, n, v);
        } catch (err) {
          // A node the crash family crashed has no traffic to disturb; any other failure is the fault
          // not applied.
          if (!isCrashed(test, n) || (await nodeUp(test, n))) throw err;
        }
      });
      if (errs.length) return { type: 'info', value: v, error: `packet fault failed: ${errs.join('; ')}` };
      const checked = await verify(test, v).catch((err: unknown) => ({
        problems: [errText(err)],
        unchecked: [],
      }));
      if (checked.problems.length) return { ...notInEffect(checked.problems.join('; ')), value: v };
      // Applied everywhere; where no uncut peer could measure it, the op says so rather than guessing.
      const note = checked.unchecked.length
        ? { unchecked: `delay not measured: ${checked.unchecked.join('; ')}` }
        : {};
      return { type: 'ok', value: { ...v, ...note } };
    },
    async teardown(test: RunContext) {
      if (test.remotes.length === 0) return;
      const errs = await heal(test).catch((err: unknown) => [errText(err)]);
      for (const e of errs) test.log.error(`packet: heal failed: ${e}`);
      if (errs.length) throw new Error(`packet: heal failed: ${errs.join('; ')}`);
    },
  };
}

export const packetDescriptor: NemesisDescriptor = {
  options: packetOptions,
  name: 'packet',
  description:
    'packet loss (iptables statistic), bandwidth (tc htb), delay (NFQUEUE delayer); duplicate/reorder/corrupt where netem exists',
  faults: packetFaults,
  create(opts): NemesisPackage {
    return familyPackage(
      packetNemesis(opts),
      packetCycle(opts),
      opts,
      [{ f: 'stop-packet', value: null }],
      packetFaults,
    );
  },
  async preflight(test, platform) {
    const kinds = optList(test.options, 'packetKinds', ['loss', 'delay', 'bandwidth']);
    const netemOnly = kinds.filter((k) => (NETEM_ONLY as readonly string[]).includes(k));
    // This machine's kernel is the local containers' kernel, not an SSH host's: over SSH the host's own tc
    // answers when the fault is applied (applyNode), so nothing is checked here.
    if (netemOnly.length && platform?.cluster !== 'ssh' && !hasNetem())
      return `packet faults ${netemOnly.join(', ')} need netem, which this kernel lacks (fix: --opt packetKinds=loss,delay,bandwidth)`;
    if (kinds.includes('delay')) {
      const p = nodeHelpers().problems.find((x) => x.includes('fl-delay'));
      if (p) return `packet delay cannot run: ${p}`;
    }
    return undefined;
  },
};
