/** Faults as data: every family declares exactly the `f`s it performs, and its values are what it declares. */
import { describe, expect, it } from 'vitest';
import { composePackages } from '../../../nemeses/compose.ts';
import { BUILTIN_FAULTS, NEMESES } from '../../../nemeses/index.ts';
import { type FaultKind, faultKindSchema, faultRoles } from '../../../src/core/nemesis.ts';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
const base = { intervalS: 2, nodes, seed: 7, timeLimitS: 120 };
const fsOf = (ks: readonly FaultKind[]) => ks.flatMap((k) => [...k.start, ...k.stop, ...k.events]);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Does a planned start op's value have the shape its declaration promises? */
function valueFits(kind: FaultKind, v: unknown): boolean {
  switch (kind.value.kind) {
    case 'nodes':
      return (
        isObj(v) &&
        ((Array.isArray(v.nodes) && v.nodes.every((n) => nodes.includes(n as string))) ||
          v.targets === 'primaries')
      );
    case 'grudge':
      return isObj(v) && typeof v.topology === 'string' && isObj(v.grudge);
    case 'clock-offsets':
      return (
        isObj(v) &&
        Object.entries(v).every(
          ([n, s]) =>
            nodes.includes(n) &&
            (typeof s === 'number' ||
              (isObj(s) && Array.isArray(s.strobe) && typeof s.periodMs === 'number')),
        )
      );
    case 'packet':
      return isObj(v) && Array.isArray(v.nodes);
    case 'none':
      return v === null;
  }
}

describe('fault declarations', () => {
  // Every mode and target spec, so the schedules exercise every f a family can emit.
  const options = { clockModes: 'set,bump,strobe', packetKinds: 'loss,delay,bandwidth' };

  // failover is a system's control loop on a fixed period, not a fault window: its own test below.
  for (const [name, d] of Object.entries(NEMESES).filter(([n]) => n !== 'failover')) {
    it(`${name}: declares exactly the fs it performs, and its planned ops fit the declaration`, () => {
      const p = d.create({ ...base, options });
      expect(p.faults).toEqual(d.faults);
      for (const k of d.faults) expect(faultKindSchema.parse(k)).toEqual(k);
      expect(fsOf(d.faults).sort()).toEqual([...p.nemesis.fs].sort());
      const roles = faultRoles(d.faults);
      const planned = p.schedule!;
      expect(planned.length).toBeGreaterThan(10);
      let open = 0;
      for (const e of planned) {
        const r = roles.get(e.f);
        expect(r, `${e.f} is declared`).toBeDefined();
        if (r!.role === 'start') {
          expect(valueFits(r!.kind, e.value), `${e.f} ${JSON.stringify(e.value)}`).toBe(true);
          open++;
        } else if (r!.role === 'stop') open = 0;
      }
      // Starts and stops alternate, so a stop is really what ends the family's windows.
      expect(planned.filter((e) => roles.get(e.f)?.role === 'stop').length).toBeGreaterThan(3);
      expect(open).toBeLessThanOrEqual(1);
    });
  }

  it('failover: refused without a system that fails over; else one declared check every failoverIntervalS', () => {
    const d = NEMESES.failover!;
    expect(() => d.create(base)).toThrow(/has no failover of its own/);
    const system = {
      name: 'fake',
      needsCluster: true,
      setup: async () => {},
      teardown: async () => {},
      clients: {},
      failover: async () => ({ type: 'ok' as const, value: null }),
    };
    const p = d.create({ ...base, system, options: { failoverIntervalS: 2 } });
    expect(p.faults).toEqual(d.faults);
    expect(fsOf(d.faults).sort()).toEqual([...p.nemesis.fs].sort());
    expect(p.schedule!.length).toBe(60);
    expect(p.schedule!.every((e, i) => e.f === 'failover' && e.atS === (i + 1) * 2)).toBe(true);
  });

  it('the clock family plans every mode it declares (set, bump, strobe)', () => {
    const p = NEMESES.clock!.create({ ...base, options });
    expect(new Set(p.schedule!.map((e) => e.f))).toEqual(
      new Set(['set-clock', 'bump-clock', 'strobe-clock', 'reset-clock']),
    );
  });

  it('the built-in fallback covers every family once, with distinct fs', () => {
    expect(BUILTIN_FAULTS.map((k) => k.family).sort()).toEqual(
      ['clock', 'crash', 'failover', 'kill', 'packet', 'partition', 'pause'].sort(),
    );
    const fs = fsOf(BUILTIN_FAULTS);
    expect(new Set(fs).size).toBe(fs.length);
    expect(faultRoles(BUILTIN_FAULTS).get('restart-node')).toMatchObject({
      role: 'stop',
      kind: { family: 'crash' },
    });
  });

  it('compose concatenates the declarations; one undeclared package leaves them to the fallback', () => {
    const kill = NEMESES.kill!.create(base);
    const clock = NEMESES.clock!.create(base);
    expect(composePackages([kill, clock])!.faults).toEqual([...kill.faults!, ...clock.faults!]);
    const { faults: _, ...bare } = kill;
    expect(composePackages([bare, clock])!.faults).toBeUndefined();
  });

  it('the schema refuses a declaration it could not draw', () => {
    const good = NEMESES.kill!.faults[0]!;
    expect(faultKindSchema.safeParse({ ...good, color: 'red' }).success).toBe(false);
    expect(faultKindSchema.safeParse({ ...good, value: { kind: 'clock-offsets', unit: 'ms' } }).success).toBe(
      false,
    );
    expect(faultKindSchema.safeParse({ ...good, start: 'kill' }).success).toBe(false);
  });
});
