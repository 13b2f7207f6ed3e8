/**
 * A fault that did not happen is never recorded `ok`: a partition whose grudge cuts nothing (a 1-node
 * test, `{"n1":[]}`, or primaries that are every node) and a peer-limited packet fault whose targets have
 * no peer other than themselves are `fail`s, and the 1-node cases are refused up front. Pure: the remotes
 * are fakes answering every command with exit 0 (iptables and tc "succeed"), as the old code needed to
 * record these faults ok.
 */
import { describe, expect, it } from 'vitest';
import { packetCycle, packetNemesis } from '../../../nemeses/packet.ts';
import { partitionCycle, partitionNemesis } from '../../../nemeses/partition.ts';
import type { Invocation } from '../../../src/core/generator.ts';
import type { System } from '../../../src/core/index.ts';
import type { Remote } from '../../../src/core/remote.ts';
import { fakeContext, fakeRemote } from './fake-remote.ts';

/** A node that runs every command with exit 0; `commands` records them (argv, then any stdin). */
function fakeNode(name: string): Remote & { commands: string[] } {
  const commands: string[] = [];
  const node = fakeRemote(name, async (argv, o) => {
    commands.push([argv.join(' '), o?.stdin ?? ''].join('\n'));
    const stdout = argv[0] === 'ip' ? `2: eth0 inet ${node.ip}/24 brd 10.0.0.255 scope global eth0\n` : '';
    return { exitCode: argv.includes('-S') ? 1 : 0, stdout, stderr: '', timedOut: false };
  });
  return Object.assign(node, { commands });
}

function ctx(nodes: string[]) {
  const remotes = nodes.map(fakeNode);
  return { test: fakeContext(remotes), remotes };
}

const op = (f: string, value: unknown): Invocation => ({
  type: 'invoke',
  process: 'nemesis',
  time: 0,
  f,
  value,
});

describe('partition: a grudge that cuts nothing is never ok', () => {
  it('a 1-node test is refused up front', () => {
    expect(() => partitionCycle({ intervalS: 1, nodes: ['n1'] })).toThrow(
      /^partition needs at least 2 nodes/,
    );
    expect(() => partitionCycle({ intervalS: 1, nodes: ['n1', 'n2'] })).not.toThrow();
  });

  it('an explicit partitionGrudge that cuts nothing is refused up front', () => {
    const options = { partitionGrudge: '{"n1":[],"n2":[]}' };
    expect(() => partitionCycle({ intervalS: 1, nodes: ['n1', 'n2'], options })).toThrow(/cuts nothing/);
  });

  it('start-partition with grudge {"n1":[]} is a not-in-effect fail, and applies nothing', async () => {
    const { test, remotes } = ctx(['n1']);
    const c = await partitionNemesis({ intervalS: 1, nodes: ['n1'] }).invoke(
      test,
      op('start-partition', { topology: 'grudge', grudge: { n1: [] } }),
    );
    expect(c.type).toBe('fail');
    expect(c.fault).toBe('not-in-effect');
    expect(c.error).toMatch(/the grudge cuts nothing/);
    expect(remotes[0]!.commands).toEqual([]);
  });

  it('primaries that are every node leave nothing to isolate: a no-target fail', async () => {
    const nodes = ['n1', 'n2'];
    const { test } = ctx(nodes);
    const system = { primaries: async () => nodes } as unknown as System;
    const c = await partitionNemesis({ intervalS: 1, nodes, system }).invoke(
      test,
      op('start-partition', { topology: 'primaries' }),
    );
    expect(c).toMatchObject({ type: 'fail', fault: 'no-target' });
  });
});

describe('packet: a peer-limited fault with no peer to disturb is never ok', () => {
  it('packetPeers in a 1-node test is refused up front', () => {
    expect(() => packetCycle({ intervalS: 1, nodes: ['n1'], options: { packetPeers: ['n1'] } })).toThrow(
      /packetPeers needs at least 2 nodes/,
    );
    // Without peers a 1-node packet fault still disturbs the clients' traffic with the node.
    expect(() => packetCycle({ intervalS: 1, nodes: ['n1'] })).not.toThrow();
  });

  it('targets whose only peer is themselves: a no-target fail, no rule installed', async () => {
    const { test, remotes } = ctx(['n1', 'n2']);
    const c = await packetNemesis({ intervalS: 1, nodes: ['n1', 'n2'] }).invoke(
      test,
      op('start-packet', { nodes: ['n1'], peers: ['n1'], loss: 0.5 }),
    );
    expect(c).toMatchObject({ type: 'fail', fault: 'no-target' });
    expect(c.error).toMatch(/no peer to disturb/);
    expect(remotes[0]!.commands.filter((x) => x.startsWith('iptables'))).toEqual([]);
  });

  it('a target without a peer is left out of the fault; the others get it', async () => {
    const { test, remotes } = ctx(['n1', 'n2']);
    const c = await packetNemesis({ intervalS: 1, nodes: ['n1', 'n2'] }).invoke(
      test,
      op('start-packet', { nodes: ['n1', 'n2'], peers: ['n1'], loss: 0.5 }),
    );
    expect(c.type, JSON.stringify(c)).toBe('ok');
    expect(c.value).toMatchObject({ nodes: ['n2'], skipped: 'no peer but themselves: n1' });
    expect(remotes[0]!.commands.filter((x) => x.includes('DROP'))).toEqual([]);
    expect(remotes[1]!.commands.some((x) => x.includes('10.0.0.1/32'))).toBe(true);
  });
});
