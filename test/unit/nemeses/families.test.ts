import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clockCycle, fileText } from '../../../nemeses/clock.ts';
import { familySeed, isFaultFailure, optList, readOptions } from '../../../nemeses/common.ts';
import { findNemeses, NEMESES } from '../../../nemeses/index.ts';
import { hasNetem, packetCycle, packetDescriptor, packetOptions } from '../../../nemeses/packet.ts';
import { explicitGrudge, partitionCycle } from '../../../nemeses/partition.ts';
import { processCycle } from '../../../nemeses/process.ts';
import { nodeHelpers, SKEWTIME_SO } from '../../../src/cluster/node-helpers/index.ts';
import type { RunContext } from '../../../src/core/index.ts';
import { Rng } from '../../../src/core/rng.ts';
import { silentLogger } from '../../../src/util/log.ts';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
const base = { intervalS: 5, nodes, seed: 11, timeLimitS: 60 };

describe('nemesis registry', () => {
  it('has every family under its --nemesis name', () => {
    expect(Object.keys(NEMESES).sort()).toEqual([
      'clock',
      'crash',
      'failover',
      'kill',
      'packet',
      'partition',
      'pause',
    ]);
    expect(() => findNemeses(['partition', 'nope'])).toThrow(/unknown nemesis 'nope'/);
  });

  it('each package plans the same schedule for the same seed, another for another seed, and heals at the end', () => {
    // failover is no fault window but a system's control loop on a fixed period (its own test: faults.test.ts).
    for (const d of Object.values(NEMESES).filter((x) => x.name !== 'failover')) {
      const a = d.create(base);
      expect(d.create(base).schedule).toEqual(a.schedule);
      expect(d.create({ ...base, seed: 12 }).schedule).not.toEqual(a.schedule);
      expect(a.schedule!.length).toBeGreaterThan(4);
      expect(a.finalGenerator).toBeDefined();
      for (const e of a.schedule!) expect(a.nemesis.fs).toContain(e.f);
    }
  });

  it('families draw from separate random streams', () => {
    expect(familySeed(1, 'kill')).not.toBe(familySeed(1, 'pause'));
    const k = NEMESES.kill!.create(base).schedule!.map((e) => e.atS);
    const p = NEMESES.pause!.create(base).schedule!.map((e) => e.atS);
    expect(k).not.toEqual(p);
  });
});

describe('options', () => {
  it('parses lists and numbers, refusing nonsense', () => {
    expect(optList({ a: 'one, majority' }, 'a', [])).toEqual(['one', 'majority']);
    expect(optList({ a: ['x'] }, 'a', [])).toEqual(['x']);
    expect(optList({}, 'a', ['d'])).toEqual(['d']);
    expect(readOptions(packetOptions, { packetLoss: 0.3, other: 1 })).toEqual({ packetLoss: 0.3 });
    expect(() => readOptions(packetOptions, { packetLoss: 3 })).toThrow(/packetLoss/);
    expect(() => readOptions(packetOptions, { packetLoss: '0.3' })).toThrow(/packetLoss/);
  });

  it('partition: topologies from partitionTargets, an explicit grudge from partitionGrudge', () => {
    const c = partitionCycle({ ...base, options: { partitionTargets: 'majorities-ring' } });
    const s = c.start(new Rng(1)) as {
      f: string;
      value: { topology: string; grudge: Record<string, string[]> };
    };
    expect(s.f).toBe('start-partition');
    expect(s.value.topology).toBe('majorities-ring');
    expect(Object.keys(s.value.grudge).sort()).toEqual(nodes);
    const g = { n1: ['n2'] };
    expect(
      partitionCycle({ ...base, options: { partitionGrudge: JSON.stringify(g) } }).start(new Rng(1)).value,
    ).toEqual({ topology: 'grudge', grudge: g });
    expect(() => explicitGrudge({ partitionGrudge: '{"n1":["n9"]}' }, nodes)).toThrow(/unknown node n9/);
    expect(() => partitionCycle({ ...base, options: { partitionTargets: 'sideways' } })).toThrow(
      /unknown partition topology 'sideways'/,
    );
    expect(
      partitionCycle({ ...base, options: { partitionTargets: 'primaries' } }).start(new Rng(1)).value,
    ).toEqual({ topology: 'primaries' });
  });

  it('process: targets from <family>Targets, primaries left to fault time', () => {
    const fam = { name: 'kill' as const, start: 'kill', stop: 'start', defaults: ['one'] };
    expect(processCycle(fam, { ...base, options: { killTargets: 'n2+n4' } }).start(new Rng(1))).toEqual({
      f: 'kill',
      value: { nodes: ['n2', 'n4'] },
    });
    expect(processCycle(fam, { ...base, options: { killTargets: 'primaries' } }).start(new Rng(1))).toEqual({
      f: 'kill',
      value: { targets: 'primaries' },
    });
    expect(
      processCycle(fam, { ...base, options: { killTargets: 'majority' } }).start(new Rng(1)).value,
    ).toMatchObject({ nodes: expect.any(Array) });
    expect(() => processCycle(fam, { ...base, options: { killTargets: 'n9' } })).toThrow(
      /unknown target node/,
    );
  });

  it('clock: offsets in seconds per node; strobe settings written as the shim reads them', () => {
    const c = clockCycle({
      ...base,
      options: { clockTargets: 'all', clockModes: 'set', clockOffsets: '3600,-30' },
    });
    const s = c.start(new Rng(2));
    expect(s.f).toBe('set-clock');
    expect(Object.keys(s.value as object).sort()).toEqual(nodes);
    for (const v of Object.values(s.value as object)) expect([3600, -30]).toContain(v);
    expect(c.stop(s, new Rng(1))).toEqual({ f: 'reset-clock', value: null });
    expect(fileText(-30)).toBe('-30\n');
    expect(fileText({ strobe: [0, 5], periodMs: 100, durationS: 2 })).toBe('strobe 0 5 100 2000\n');
  });

  it('packet: one behaviour per fault, peers optional', () => {
    const c = packetCycle({
      ...base,
      options: { packetKinds: 'delay', packetDelayMs: 50, packetPeers: 'n1+n2', packetTargets: 'n3' },
    });
    expect(c.start(new Rng(1))).toEqual({
      f: 'start-packet',
      value: { nodes: ['n3'], peers: ['n1', 'n2'], delayMs: 50 },
    });
    expect(() => packetCycle({ ...base, options: { packetKinds: 'jitter' } })).toThrow(
      /unknown packet fault 'jitter'/,
    );
    expect(() => packetCycle({ ...base, options: { packetRate: 'fast' } })).toThrow(/tc rate/);
  });
});

describe('failures are loud', () => {
  it('recognises fault and heal failures by their error prefix', () => {
    expect(isFaultFailure('fault not in effect: n1 still reachable')).toBe(true);
    expect(isFaultFailure('heal failed: n2: x')).toBe(true);
    expect(isFaultFailure('timeout')).toBe(false);
    expect(isFaultFailure(undefined)).toBe(false);
  });

  it('packet preflight refuses netem-only faults on a kernel without netem, with the fix', async () => {
    const ctx = { options: { packetKinds: 'loss,duplicate' }, log: silentLogger } as unknown as RunContext;
    const why = await packetDescriptor.preflight!(ctx);
    if (hasNetem()) expect(why).toBeUndefined();
    else expect(why).toMatch(/duplicate need netem, which this kernel lacks \(fix: --opt packetKinds=/);
    expect(await packetDescriptor.preflight!({ ...ctx, options: { packetKinds: 'loss' } })).toBeUndefined();
  });

  it('packet preflight over SSH asks nothing of this machine: the host kernel answers when the fault is applied', async () => {
    const ctx = {
      options: { packetKinds: 'loss,duplicate,reorder,corrupt' },
      log: silentLogger,
    } as unknown as RunContext;
    expect(await packetDescriptor.preflight!(ctx, { cluster: 'ssh' })).toBeUndefined();
    // The same options on Docker are still refused where this (the containers') kernel has no netem.
    const docker = await packetDescriptor.preflight!(ctx, { cluster: 'docker' });
    if (hasNetem()) expect(docker).toBeUndefined();
    else expect(docker).toMatch(/need netem, which this kernel lacks/);
  });
});

const helpers = nodeHelpers();
describe.skipIf(helpers.problems.length > 0)('skewtime.so on this host', () => {
  const so = join(tmpdir(), 'faultline-helpers', helpers.hash, SKEWTIME_SO.split('/').pop()!);
  const dir = mkdtempSync(join(tmpdir(), 'skew-'));
  const file = join(dir, 'off');
  const shifted = (cmd: string[], f = file) =>
    execFileSync(cmd[0]!, cmd.slice(1), { env: { ...process.env, LD_PRELOAD: so, SKEW_FILE: f } })
      .toString()
      .trim();

  it('shifts date and node by the file offset; a missing file means 0; monotonic time is untouched', () => {
    writeFileSync(file, '+3600\n');
    expect(Number(shifted(['date', '+%s'])) - Date.now() / 1000).toBeCloseTo(3600, -1);
    writeFileSync(file, '-30.5');
    const out = shifted(['node', '-e', 'console.log(Date.now(), performance.timeOrigin, process.uptime())'])
      .split(' ')
      .map(Number);
    expect(out[0]! / 1000 - Date.now() / 1000).toBeGreaterThan(-32);
    expect(out[0]! / 1000 - Date.now() / 1000).toBeLessThan(-29);
    expect(out[2]!).toBeLessThan(5); // uptime comes from the monotonic clock
    expect(Math.abs(Number(shifted(['date', '+%s'], join(dir, 'none'))) - Date.now() / 1000)).toBeLessThan(2);
  });

  it('strobes between two offsets; a garbled file never read well reads as 0', () => {
    writeFileSync(file, 'strobe 0 100 50 10000');
    const script =
      'const s=new Set();const t=performance.now();while(performance.now()-t<400){s.add(Math.round((Date.now()-' +
      Date.now() +
      ')/100000))}console.log([...s].sort().join())';
    // Offsets 0 and +100 s alternate every 50 ms: both show up within 400 ms.
    const seen = shifted(['node', '-e', script]);
    expect(seen.split(',').length).toBeGreaterThanOrEqual(2);
    writeFileSync(file, 'garbage');
    expect(Math.abs(Number(shifted(['date', '+%s'])) - Date.now() / 1000)).toBeLessThan(2); // never read a good value: 0
  });
});
