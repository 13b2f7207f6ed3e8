/**
 * Clock skew without touching the host clock: every daemon on a node starts with skewtime.so preloaded
 * (a daemon env hook), which adds the offset in the node's offset file to the wall clock. Set, bump,
 * strobe and reset write that file; a freshly started `date` under the shim then confirms the offset.
 */
import { addDaemonEnvHook, type DaemonEnvHook, RUN_DIR, removeDaemonEnvHook } from '../src/cluster/daemon.ts';
import { nodeHelpers, SKEWTIME_SO } from '../src/cluster/node-helpers/index.ts';
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
  nodeUp,
  notInEffect,
  optList,
  readOptions,
  remoteOf,
  settle,
} from './common.ts';
import { isCrashed } from './crashed.ts';
import type { FaultCycle } from './schedule.ts';
import { FIXED_TARGETS_WHAT, isFixedTargetSpec, parseTargetSpec, resolveTargets } from './targets.ts';

/** The clock family's `--opt` keys (nemeses/README.md). */
export const clockOptions = optionsSchema({
  clockTargets: opt.list(FIXED_TARGETS_WHAT, isFixedTargetSpec),
  clockModes: opt.listOf(['set', 'bump', 'strobe']),
  clockMaxOffset: opt.number(0.001, 1e9, 'seconds'),
  clockOffsets: opt.list('numbers of seconds like 3600,-30', (s) => Number.isFinite(Number(s))),
  clockStrobePeriodMs: opt.number(10, 3_600_000, 'ms'),
  clockStrobeDuration: opt.number(0.1, 86_400, 'seconds'),
});

export const OFFSET_FILE = `${RUN_DIR}/clock-offset`;
export const CLOCK_ENV = { LD_PRELOAD: SKEWTIME_SO, SKEW_FILE: OFFSET_FILE } as const;

/** Strobe: flip between a and b (seconds) every periodMs for durationS, then stay at a. */
export interface Strobe {
  strobe: [number, number];
  periodMs: number;
  durationS: number;
}
/** What a node's clock is set to: seconds, or a strobe. Op values map node → Setting. */
export type Setting = number | Strobe;

export function fileText(s: Setting): string {
  return typeof s === 'number'
    ? `${s}\n`
    : `strobe ${s.strobe[0]} ${s.strobe[1]} ${s.periodMs} ${s.durationS * 1000}\n`;
}

/** The clock family's faults: a set, bump or strobe opens a window, a reset closes it. */
export const clockFaults: FaultKind[] = [
  {
    family: 'clock',
    start: ['set-clock', 'bump-clock', 'strobe-clock'],
    stop: ['reset-clock'],
    events: [],
    value: { kind: 'clock-offsets', unit: 's' },
    valueDoc:
      'node → offset in seconds (set: absolute, bump: delta; completions carry the absolute setting), or a strobe {strobe: [a, b] seconds, periodMs, durationS}; reset-clock sets every node back to 0',
    color: '#2980b9',
  },
];

const hook: DaemonEnvHook = () => ({ ...CLOCK_ENV });
let hookUsers = 0;

export function clockCycle(opts: NemesisOptions): FaultCycle {
  const specs = optList(opts.options, 'clockTargets', ['one', 'minority', 'majority', 'all']).map(
    parseTargetSpec,
  );
  const modes = optList(opts.options, 'clockModes', ['bump', 'strobe']);
  for (const m of modes)
    if (!['set', 'bump', 'strobe'].includes(m))
      throw new Error(`unknown clock mode '${m}': choose from set, bump, strobe`);
  const o = readOptions(clockOptions, opts.options);
  const max = o.clockMaxOffset ?? 60;
  const offsets = optList(opts.options, 'clockOffsets', []).map(Number);
  if (offsets.some((x) => !Number.isFinite(x)))
    throw new Error('option clockOffsets: expected numbers of seconds, like 3600,-30');
  const periodMs = o.clockStrobePeriodMs ?? 100;
  const durationS = o.clockStrobeDuration ?? Math.max(0.1, Math.min(10, opts.intervalS));
  return {
    name: 'clock',
    start(rng) {
      const nodes = resolveTargets(
        rng.pick(specs.filter((s) => s !== 'primaries')) ?? 'one',
        opts.nodes,
        rng,
      );
      const off = () =>
        offsets.length ? rng.pick(offsets) : Math.round((rng.float() * 2 - 1) * max * 1000) / 1000;
      const mode = rng.pick(modes);
      const value: Record<string, Setting> = {};
      for (const n of nodes)
        value[n] = mode === 'strobe' ? { strobe: [0, off()], periodMs, durationS } : off();
      return { f: `${mode}-clock`, value };
    },
    stop: () => ({ f: 'reset-clock', value: null }),
  };
}

/** Wall-clock offset (s) a fresh process under the shim sees on the node, measured against one without. */
export async function observedOffset(remote: Remote): Promise<number> {
  const out = await remote.run(
    [
      'sh',
      '-c',
      'date +%s.%N; LD_PRELOAD="$0" SKEW_FILE="$1" date +%s.%N; date +%s.%N',
      SKEWTIME_SO,
      OFFSET_FILE,
    ],
    {
      timeoutMs: 10_000,
    },
  );
  const [a, b, c] = out.trim().split('\n').map(Number) as [number, number, number];
  return b - (a + c) / 2;
}

export function clockNemesis(_opts: NemesisOptions): Nemesis {
  const current = new Map<string, Setting>();
  const write = async (test: RunContext, settings: Record<string, Setting>): Promise<Completion> => {
    const errs = await settle(Object.entries(settings), async ([n, s]) => {
      await remoteOf(test, n).upload(OFFSET_FILE, fileText(s));
      current.set(n, s);
    });
    if (errs.length)
      return { type: 'info', value: settings, error: `clock change failed: ${errs.join('; ')}` };
    // Check: a new process under the shim sees the offset (either side of a strobe).
    const wrong: string[] = [];
    await settle(Object.entries(settings), async ([n, s]) => {
      try {
        const seen = await observedOffset(remoteOf(test, n));
        const want = typeof s === 'number' ? [s] : s.strobe;
        if (!want.some((w) => Math.abs(seen - w) < 1))
          wrong.push(`${n} shows ${seen.toFixed(3)} s, not ${want.join(' or ')} s`);
      } catch (err) {
        // A node the crash family crashed cannot run the check; its file is written and holds on restart.
        if (!isCrashed(test, n) || (await nodeUp(test, n))) wrong.push(`${n}: ${errText(err)}`);
      }
    });
    return wrong.length
      ? { ...notInEffect(wrong.sort().join('; ')), value: settings }
      : { type: 'ok', value: settings };
  };
  return {
    name: 'clock',
    fs: ['set-clock', 'bump-clock', 'strobe-clock', 'reset-clock'],
    async setup(test) {
      const missing: string[] = [];
      await settle(test.remotes, async (r) => {
        if ((await r.exec(['test', '-f', SKEWTIME_SO])).exitCode !== 0) missing.push(r.name);
      });
      if (missing.length)
        throw new Error(
          `clock nemesis: ${SKEWTIME_SO} is missing on ${missing.sort().join(', ')} (fix: use a faultline-built node image, hostroot or debian, built on a host with gcc; over SSH, faultline uploads it when gcc can build it on the faultline host)`,
        );
    },
    async invoke(test: RunContext, op: Invocation) {
      const v = (op.value ?? {}) as Record<string, Setting>;
      const unknown = Object.keys(v).filter((n) => !test.nodes.includes(n));
      if (op.f !== 'reset-clock' && unknown.length)
        return { type: 'fail', error: `unknown node(s) ${unknown.join(', ')}` };
      if (op.f === 'reset-clock') {
        const nodes = Array.isArray(op.value) ? (op.value as string[]) : test.nodes;
        const c = await write(test, Object.fromEntries(nodes.map((n) => [n, 0])));
        return c.type === 'ok' ? c : { ...healFailed(c.error ?? ''), value: c.value };
      }
      if (op.f === 'bump-clock') {
        const next: Record<string, Setting> = {};
        for (const [n, d] of Object.entries(v)) {
          const cur = current.get(n);
          next[n] = (typeof cur === 'number' ? cur : 0) + Number(d);
        }
        return write(test, next);
      }
      return write(test, v);
    },
    async teardown(test) {
      let problem: string | undefined;
      if (test.remotes.length > 0) {
        try {
          const c = await write(test, Object.fromEntries(test.nodes.map((n) => [n, 0])));
          if (c.error) problem = c.error;
        } catch (err) {
          problem = errText(err);
        }
      }
      if (--hookUsers <= 0) {
        hookUsers = 0;
        removeDaemonEnvHook(hook);
      }
      if (problem) {
        test.log.error(`clock: heal failed: ${problem}`);
        throw new Error(`clock: heal failed: ${problem}`);
      }
    },
  };
}

export const clockDescriptor: NemesisDescriptor = {
  options: clockOptions,
  name: 'clock',
  description:
    'wall-clock offsets per node (set, bump, strobe, reset) through an LD_PRELOAD shim; the host clock is never touched',
  faults: clockFaults,
  create(opts): NemesisPackage {
    // Registered now, before the system's setup starts its daemons: they must start with the shim.
    hookUsers++;
    addDaemonEnvHook(hook);
    return familyPackage(
      clockNemesis(opts),
      clockCycle(opts),
      opts,
      [{ f: 'reset-clock', value: null }],
      clockFaults,
    );
  },
  async preflight() {
    if (process.arch !== 'x64')
      return `the clock nemesis needs x86_64 (this is ${process.arch}): run without --nemesis clock`;
    const p = nodeHelpers().problems.find((x) => x.includes('skewtime'));
    return p ? `the clock nemesis cannot run: ${p}` : undefined;
  },
};
