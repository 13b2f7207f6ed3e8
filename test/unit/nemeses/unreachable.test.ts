/**
 * A node that does not answer excuses a fault or heal only when the crash family crashed it (and has not
 * restarted it): nemeses/crashed.ts. Any other unreachable node (an SSH host whose port 22 is cut) makes
 * the op not ok: `heal-failed` for a heal, `not-in-effect` for a fault. Pure: the remotes are fakes whose
 * exec throws while the node is "down" (the real SSH case is a dropped connection, which throws too).
 */
import { describe, expect, it } from 'vitest';
import { partitionNemesis } from '../../../nemeses/partition.ts';
import { crashDescriptor, killDescriptor, pauseDescriptor } from '../../../nemeses/process.ts';
import type { Invocation } from '../../../src/core/generator.ts';
import type { System } from '../../../src/core/index.ts';
import type { Remote } from '../../../src/core/remote.ts';
import { fakeContext, fakeRemote } from './fake-remote.ts';

interface FakeNode extends Remote {
  up: boolean;
  crash(): Promise<void>;
  restart(): Promise<void>;
  running(): Promise<boolean>;
}

/** A node that answers every command with exit 0 and no output (no pid files, no iptables chain left) while up. */
function fakeNode(name: string): FakeNode {
  const node: FakeNode = Object.assign(
    fakeRemote(name, async (argv) => {
      if (!node.up) throw new Error(`${name}: SSH connection timed out`);
      // `iptables -S CHAIN` after removal: the chain is gone.
      const gone = argv.includes('-S');
      return { exitCode: gone ? 1 : 0, stdout: '', stderr: '', timedOut: false };
    }),
    {
      up: true,
      async crash() {
        node.up = false;
      },
      async restart() {
        node.up = true;
      },
      running: async () => node.up,
    },
  );
  return node;
}

function ctx() {
  const remotes = ['n1', 'n2', 'n3'].map(fakeNode);
  return { test: fakeContext(remotes), n3: remotes[2]! };
}

const system = { start: async () => {} } as unknown as System;
const opts = { intervalS: 1, nodes: ['n1', 'n2', 'n3'], system };
const op = (f: string, value: unknown): Invocation => ({
  type: 'invoke',
  process: 'nemesis',
  time: 0,
  f,
  value,
});

describe('an unreachable node excuses nothing unless the crash family crashed it', () => {
  it('kill: start on a node that does not answer is heal-failed, naming it', async () => {
    const { test, n3 } = ctx();
    n3.up = false;
    const kill = killDescriptor.create(opts).nemesis;
    const c = await kill.invoke(test, op('start', { nodes: ['n2', 'n3'] }));
    expect(c.type).toBe('info');
    expect(c.fault).toBe('heal-failed');
    expect(c.error).toMatch(/n3: unreachable \(not crashed by the crash family\)/);
    expect(c.error).not.toMatch(/n2/);
  });

  it('kill: a kill on a node that does not answer is not-in-effect', async () => {
    const { test, n3 } = ctx();
    n3.up = false;
    const c = await killDescriptor.create(opts).nemesis.invoke(test, op('kill', { nodes: ['n3'] }));
    expect(c.fault).toBe('not-in-effect');
    expect(c.error).toMatch(/n3: unreachable/);
  });

  it('kill: start on a node the crash family crashed is excused, until it is restarted', async () => {
    const { test, n3 } = ctx();
    const crash = crashDescriptor.create(opts).nemesis;
    const kill = killDescriptor.create(opts).nemesis;
    expect((await crash.invoke(test, op('crash', { nodes: ['n3'] }))).type).toBe('ok');
    expect(n3.up).toBe(false);
    expect((await kill.invoke(test, op('start', { nodes: ['n3'] }))).type).toBe('ok');
    expect((await crash.invoke(test, op('restart-node', 'all'))).type).toBe('ok');
    // Restarted, then cut off by something else: no longer excused.
    n3.up = false;
    expect((await kill.invoke(test, op('start', { nodes: ['n3'] }))).fault).toBe('heal-failed');
  });

  it('partition: a heal that cannot reach a node is heal-failed; a crashed node is excused', async () => {
    const { test, n3 } = ctx();
    const part = partitionNemesis(opts);
    n3.up = false;
    const c = await part.invoke(test, op('stop-partition', null));
    expect(c.fault).toBe('heal-failed');
    expect(c.error).toMatch(/n3: unreachable .*chain FAULTLINE may still be in place/);
    n3.up = true;
    const crash = crashDescriptor.create(opts).nemesis;
    expect((await crash.invoke(test, op('crash', { nodes: ['n3'] }))).type).toBe('ok');
    expect((await part.invoke(test, op('stop-partition', null))).type).toBe('ok');
  });

  it('kill and pause of a node the crash family crashed (it does not answer) are no-target fails, never ok', async () => {
    const { test } = ctx();
    const crash = crashDescriptor.create(opts).nemesis;
    expect((await crash.invoke(test, op('crash', { nodes: ['n3'] }))).type).toBe('ok');
    const k = await killDescriptor.create(opts).nemesis.invoke(test, op('kill', { nodes: ['n3'] }));
    expect(k, JSON.stringify(k)).toMatchObject({ type: 'fail', fault: 'no-target' });
    const pause = pauseDescriptor.create(opts).nemesis;
    const p = await pause.invoke(test, op('pause', { nodes: ['n2', 'n3'] }));
    expect(p, JSON.stringify(p)).toMatchObject({ type: 'ok', value: { nodes: ['n2'] } });
    expect((p.value as { skipped: string }).skipped).toMatch(/nothing running: killed\/crashed earlier: n3/);
  });
});
