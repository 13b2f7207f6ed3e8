/**
 * A fault can never be recorded `ok` on a node the run does not have: targets are checked against the
 * run's nodes and, on a cluster, the remotes it provisioned, before anything is applied. The remotes
 * here record every command: none may run for a refused op.
 */
import { describe, expect, it } from 'vitest';
import { unknownNodes } from '../../../nemeses/common.ts';
import { packetNemesis } from '../../../nemeses/packet.ts';
import { partitionNemesis } from '../../../nemeses/partition.ts';
import { processNemesis } from '../../../nemeses/process.ts';
import type { Remote } from '../../../src/core/remote.ts';
import { fakeContext } from './fake-remote.ts';

function ctx(nodes: string[], remoteNames: string[]) {
  const calls: string[] = [];
  const remote = (name: string): Remote => {
    const record = async (argv: readonly string[]) => {
      calls.push(`${name}: ${argv.join(' ')}`);
      return { exitCode: 1, stdout: '', stderr: 'not a real node', timedOut: false };
    };
    return {
      name,
      ip: '10.0.0.1',
      exec: record,
      netExec: record,
      run: async (argv) => {
        calls.push(`${name}: ${argv.join(' ')}`);
        throw new Error('not a real node');
      },
      upload: async () => {},
      download: async () => new Uint8Array(),
    };
  };
  return { test: fakeContext(remoteNames.map(remote), nodes), calls };
}

const opts = { intervalS: 1, nodes: ['a1', 'a2', 'a3'] };

describe('fault targets must exist in the run', () => {
  it('unknownNodes checks the test nodes and, on a cluster, the remotes', () => {
    expect(unknownNodes(ctx(['a1', 'a2'], []).test, ['a1', 'a9'])).toEqual(['a9']);
    // The cluster named its nodes n1, n2: a1 is in the test but has no remote.
    expect(unknownNodes(ctx(['a1', 'a2'], ['n1', 'n2']).test, ['a1', 'n1'])).toEqual(['a1', 'n1']);
    expect(unknownNodes(ctx(['a1', 'a2'], ['a1', 'a2']).test, ['a1', 'a2'])).toEqual([]);
  });

  it('start-packet on nodes without a remote fails before touching anything', async () => {
    const { test, calls } = ctx(['a1', 'a2', 'a3'], ['n1', 'n2', 'n3']);
    const c = await packetNemesis(opts).invoke(test, {
      type: 'invoke',
      process: 'nemesis',
      time: 0,
      f: 'start-packet',
      value: { nodes: ['a1'], loss: 0.5 },
    });
    expect(c.type).toBe('fail');
    expect(c.error).toMatch(/bad packet fault target: a1/);
    expect(calls).toEqual([]);
  });

  it('start-partition naming nodes without a remote fails', async () => {
    const { test, calls } = ctx(['a1', 'a2', 'a3'], ['n1', 'n2', 'n3']);
    const c = await partitionNemesis(opts).invoke(test, {
      type: 'invoke',
      process: 'nemesis',
      time: 0,
      f: 'start-partition',
      value: { topology: 'grudge', grudge: { a1: ['a2'], a2: ['a1'] } },
    });
    expect(c.type).toBe('fail');
    expect(c.error).toMatch(/no such node\(s\) in this run: a1, a2/);
    expect(calls).toEqual([]);
  });

  it('kill naming a node without a remote fails', async () => {
    const { test, calls } = ctx(['a1', 'a2', 'a3'], ['n1', 'n2', 'n3']);
    const kill = processNemesis({ name: 'kill', start: 'kill', stop: 'start', defaults: ['one'] }, opts);
    const c = await kill.invoke(test, {
      type: 'invoke',
      process: 'nemesis',
      time: 0,
      f: 'kill',
      value: { nodes: ['a2'] },
    });
    expect(c.type).toBe('fail');
    expect(c.error).toMatch(/unknown node\(s\) a2/);
    expect(calls).toEqual([]);
  });
});
