/**
 * The process families (kill/start, pause/resume, crash) act on the system's daemons only: faultline's
 * own fault helpers (pid files named FAULT_HELPER_PREFIX…, the packet family's fl-delay) are neither
 * signalled nor counted. Before, a live fl-delay made pause "not in effect" (it is not paused), made kill's
 * check fail, and made start skip a killed node as "already back". Pure: each node is a fake Remote with a
 * tiny process table answering the commands src/cluster/daemon.ts sends (pid files, /proc/<pid>/stat,
 * kill -SIG).
 */
import { describe, expect, it } from 'vitest';
import { crashDescriptor, killDescriptor, pauseDescriptor } from '../../../nemeses/process.ts';
import {
  FAULT_HELPER_PREFIX,
  isFaultHelper,
  RUN_DIR,
  systemDaemonPids,
} from '../../../src/cluster/daemon.ts';
import type { Invocation } from '../../../src/core/generator.ts';
import type { NodeRef, RunContext, System } from '../../../src/core/index.ts';
import type { ExecResult, Remote } from '../../../src/core/remote.ts';
import { fakeContext, fakeRemote } from './fake-remote.ts';

const DELAYER = `${FAULT_HELPER_PREFIX}delay`;

interface FakeNode extends Remote {
  /** daemon name → pid (the pid files under RUN_DIR). */
  pidFiles: Map<string, number>;
  /** pid → state letter (S, T); absent = gone. */
  procs: Map<number, string>;
  /** Every `kill -SIG pid` received, as `SIG pid`. */
  signals: string[];
  /** Starts (or restarts) daemon `name` with a fresh pid. */
  spawn(name: string): number;
  crashed: boolean;
  crash(): Promise<void>;
  restart(): Promise<void>;
  running(): Promise<boolean>;
}

/** A node that stays reachable while "crashed", as an SSH host does (the crash only kills processes). */
function fakeNode(name: string): FakeNode {
  let nextPid = 100;
  const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
  const no: ExecResult = { exitCode: 1, stdout: '', stderr: 'No such file', timedOut: false };
  const pidFiles = new Map<string, number>();
  const procs = new Map<number, string>();
  const signals: string[] = [];
  const exec = async (argv: readonly string[]): Promise<ExecResult> => {
    const [cmd, a1, a2] = argv;
    if (cmd === 'true') return ok();
    if (cmd === 'sh' && argv.includes(RUN_DIR)) {
      // daemonPids' listing of every pid file.
      return ok([...pidFiles].map(([n, p]) => `${RUN_DIR}/${n}.pid ${p}\n`).join(''));
    }
    if (cmd === 'cat' && a1?.startsWith('/proc/')) {
      const pid = Number(a1.split('/')[2]);
      const s = procs.get(pid);
      return s ? ok(`${pid} (proc) ${s} 1 1 1`) : no;
    }
    if (cmd === 'cat' && a1?.startsWith(`${RUN_DIR}/`)) {
      const pid = pidFiles.get(a1.slice(RUN_DIR.length + 1, -'.pid'.length));
      return pid === undefined ? no : ok(`${pid}\n`);
    }
    if (cmd === 'kill' && a1 && a2) {
      const sig = a1.slice(1);
      const pid = Number(a2);
      signals.push(`${sig} ${pid}`);
      if (!procs.has(pid)) return no;
      if (sig === 'KILL') procs.delete(pid);
      else if (sig === 'STOP') procs.set(pid, 'T');
      else if (sig === 'CONT') procs.set(pid, 'S');
      return ok();
    }
    throw new Error(`fake ${name}: unexpected command ${argv.join(' ')}`);
  };
  const node: FakeNode = Object.assign(fakeRemote(name, exec), {
    pidFiles,
    procs,
    signals,
    crashed: false,
    spawn(daemon: string) {
      const pid = nextPid++;
      pidFiles.set(daemon, pid);
      procs.set(pid, 'S');
      return pid;
    },
    // As SshRemote.crash: SIGKILL to every system daemon, fault helpers spared.
    async crash() {
      node.crashed = true;
      for (const [n, pid] of pidFiles) if (!isFaultHelper(n)) procs.delete(pid);
    },
    async restart() {
      node.crashed = false;
    },
    async running() {
      if (!node.crashed) return true;
      const pids = Object.values(await systemDaemonPids(node));
      return pids.some((p) => procs.has(p));
    },
  });
  return node;
}

const op = (f: string, value: unknown): Invocation => ({
  type: 'invoke',
  process: 'nemesis',
  time: 0,
  f,
  value,
});

/**
 * Three nodes each running the system's daemon `sut` and the packet family's fl-delay. `hooks`: the
 * system signals only its own daemon (as etcd's or redis's hooks do); without, the families signal every
 * system daemon themselves.
 */
function setup(hooks: boolean) {
  const nodes = ['n1', 'n2', 'n3'];
  const remotes = nodes.map(fakeNode);
  for (const r of remotes) {
    r.spawn('sut');
    r.spawn(DELAYER);
  }
  const starts: string[] = [];
  const sig = (s: string) => async (_t: RunContext, node: NodeRef) => {
    const r = node.remote as FakeNode;
    await r.exec(['kill', `-${s}`, String(r.pidFiles.get('sut'))]);
  };
  const system = {
    name: 'fake',
    async start(_t: RunContext, node: NodeRef) {
      starts.push(node.name);
      (node.remote as FakeNode).spawn('sut');
    },
    ...(hooks ? { kill: sig('KILL'), pause: sig('STOP'), resume: sig('CONT') } : {}),
  } as unknown as System;
  const test = fakeContext(remotes);
  const opts = { intervalS: 1, nodes, system };
  const n1 = remotes[0]!;
  const state = (daemon: string) => n1.procs.get(n1.pidFiles.get(daemon)!);
  const delayerSignals = () => n1.signals.filter((s) => s.endsWith(` ${n1.pidFiles.get(DELAYER)}`));
  return { test, opts, n1, remotes, starts, state, delayerSignals };
}

describe('the process families leave faultline fault helpers (fl-delay) alone', () => {
  it('names: fl-delay is a fault helper, a system daemon is not; systemDaemonPids drops the helpers', async () => {
    expect(isFaultHelper(DELAYER)).toBe(true);
    expect(isFaultHelper('etcd')).toBe(false);
    const { n1 } = setup(false);
    expect(Object.keys(await systemDaemonPids(n1))).toEqual(['sut']);
  });

  for (const hooks of [true, false])
    describe(hooks ? 'system with kill/pause hooks' : 'system without hooks', () => {
      it('pause is in effect with fl-delay running, and fl-delay is not paused; resume heals', async () => {
        const { test, opts, state, delayerSignals } = setup(hooks);
        const pause = pauseDescriptor.create(opts).nemesis;
        const c = await pause.invoke(test, op('pause', { nodes: ['n1'] }));
        expect(c, JSON.stringify(c)).toMatchObject({ type: 'ok' });
        expect(state('sut')).toBe('T');
        expect(state(DELAYER)).toBe('S');
        expect((await pause.invoke(test, op('resume', 'all'))).type).toBe('ok');
        expect(state('sut')).toBe('S');
        expect(delayerSignals()).toEqual([]);
      });

      it('kill is in effect with fl-delay running, and start restarts the system (not "already back")', async () => {
        const { test, opts, starts, state, delayerSignals } = setup(hooks);
        const kill = killDescriptor.create(opts).nemesis;
        const c = await kill.invoke(test, op('kill', { nodes: ['n1'] }));
        expect(c, JSON.stringify(c)).toMatchObject({ type: 'ok' });
        expect(state('sut')).toBeUndefined();
        expect(state(DELAYER)).toBe('S');
        const s = await kill.invoke(test, op('start', 'all'));
        expect(s, JSON.stringify(s)).toMatchObject({ type: 'ok' });
        expect(starts).toEqual(['n1']);
        expect(state('sut')).toBe('S');
        expect(delayerSignals()).toEqual([]);
      });
    });

  it('a node with only fl-delay running after start is "nothing running after start"', async () => {
    const { test, opts, n1, state } = setup(false);
    const kill = killDescriptor.create(opts).nemesis;
    expect((await kill.invoke(test, op('kill', { nodes: ['n1'] }))).type).toBe('ok');
    n1.spawn = () => 0; // a start that starts nothing
    const s = await kill.invoke(test, op('start', 'all'));
    expect(s.fault).toBe('heal-failed');
    expect(s.error).toMatch(/n1: nothing running after start/);
    expect(state(DELAYER)).toBe('S');
  });

  it("crash (SSH-like: the host still answers) is in effect with fl-delay spared; kill's start waits for restart-node", async () => {
    const { test, opts, starts, state } = setup(false);
    const crash = crashDescriptor.create(opts).nemesis;
    const kill = killDescriptor.create(opts).nemesis;
    const c = await crash.invoke(test, op('crash', { nodes: ['n1'] }));
    expect(c, JSON.stringify(c)).toMatchObject({ type: 'ok' });
    expect(state('sut')).toBeUndefined();
    expect(state(DELAYER)).toBe('S');
    // The kill family's heal does not end the crash early by starting the system on the crashed host.
    expect((await kill.invoke(test, op('start', { nodes: ['n1'] }))).type).toBe('ok');
    expect(starts).toEqual([]);
    expect((await crash.invoke(test, op('restart-node', 'all'))).type).toBe('ok');
    expect(starts).toEqual(['n1']);
    expect(state('sut')).toBe('S');
  });

  it('pause of a node killed earlier is a no-target fail ("nothing running"), its resume skips it, start brings it back', async () => {
    const { test, opts, starts, state } = setup(true);
    const kill = killDescriptor.create(opts).nemesis;
    const pause = pauseDescriptor.create(opts).nemesis;
    expect((await kill.invoke(test, op('kill', { nodes: ['n1'] }))).type).toBe('ok');
    const p = await pause.invoke(test, op('pause', { nodes: ['n1'] }));
    expect(p, JSON.stringify(p)).toMatchObject({ type: 'fail', fault: 'no-target' });
    expect(p.error).toMatch(/nothing running: killed\/crashed earlier \(n1\)/);
    // Nothing was paused: the resume has no node to heal (never an ok resume of n1).
    const r = await pause.invoke(test, op('resume', 'all'));
    expect(r).toMatchObject({ type: 'ok', value: { nodes: [] } });
    // The kill family's heal still starts the node.
    expect((await kill.invoke(test, op('start', 'all'))).type).toBe('ok');
    expect(starts).toEqual(['n1']);
    expect(state('sut')).toBe('S');
  });

  it('a pause of a killed node and a live one pauses the live one only, naming the other as skipped', async () => {
    const { test, opts, remotes } = setup(false);
    const kill = killDescriptor.create(opts).nemesis;
    const pause = pauseDescriptor.create(opts).nemesis;
    expect((await kill.invoke(test, op('kill', { nodes: ['n1'] }))).type).toBe('ok');
    const p = await pause.invoke(test, op('pause', { nodes: ['n1', 'n2'] }));
    expect(p, JSON.stringify(p)).toMatchObject({ type: 'ok', value: { nodes: ['n2'] } });
    expect((p.value as { skipped: string }).skipped).toMatch(/nothing running: killed\/crashed earlier: n1/);
    expect(remotes[1]!.procs.get(remotes[1]!.pidFiles.get('sut')!)).toBe('T');
    const r = await pause.invoke(test, op('resume', 'all'));
    expect(r).toMatchObject({ type: 'ok', value: { nodes: ['n2'] } });
  });

  it('a node killed while paused: its resume is ok (nothing is stopped), and start brings it back', async () => {
    const { test, opts, starts, state } = setup(true);
    const kill = killDescriptor.create(opts).nemesis;
    const pause = pauseDescriptor.create(opts).nemesis;
    expect((await pause.invoke(test, op('pause', { nodes: ['n1'] }))).type).toBe('ok');
    expect((await kill.invoke(test, op('kill', { nodes: ['n1'] }))).type).toBe('ok');
    expect((await pause.invoke(test, op('resume', 'all'))).type).toBe('ok');
    expect((await kill.invoke(test, op('start', 'all'))).type).toBe('ok');
    expect(starts).toEqual(['n1']);
    expect(state('sut')).toBe('S');
  });

  it('kill and pause of a crashed host (SSH-like: it answers, nothing runs) are no-target fails', async () => {
    const { test, opts, starts, state } = setup(false);
    const crash = crashDescriptor.create(opts).nemesis;
    const kill = killDescriptor.create(opts).nemesis;
    const pause = pauseDescriptor.create(opts).nemesis;
    expect((await crash.invoke(test, op('crash', { nodes: ['n1'] }))).type).toBe('ok');
    for (const [nem, f] of [
      [kill, 'kill'],
      [pause, 'pause'],
    ] as const) {
      const c = await nem.invoke(test, op(f, { nodes: ['n1'] }));
      expect(c, `${f}: ${JSON.stringify(c)}`).toMatchObject({ type: 'fail', fault: 'no-target' });
      expect(c.error).toMatch(/nothing running/);
    }
    expect((await kill.invoke(test, op('start', 'all'))).type).toBe('ok');
    expect(starts).toEqual([]); // still crashed: restart-node brings it back
    expect((await crash.invoke(test, op('restart-node', 'all'))).type).toBe('ok');
    expect(starts).toEqual(['n1']);
    expect(state('sut')).toBe('S');
  });
});
