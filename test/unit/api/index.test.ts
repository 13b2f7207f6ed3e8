/** The public API: what a test file imports from the package entry works from there alone. */
import { describe, expect, it } from 'vitest';
import {
  type Checker,
  type CheckResult,
  clients,
  compose,
  counterChecker,
  defineTest,
  EXIT,
  exitCodeFor,
  killDaemon,
  limit,
  linearizable,
  type Op,
  pauseDaemon,
  registerOps,
  resumeDaemon,
  setChecker,
  setWorkload,
  signalDaemon,
  simulate,
  sToNs,
  stagger,
  startDaemon,
  stopDaemon,
  timeLimit,
  UserError,
  uniqueAdds,
} from '../../../src/index.ts';

const ctx = { test: { name: 'api', concurrency: 2, nodes: ['n1'] } };

describe('src/index.ts, the package entry', () => {
  it('defineTest returns the definition a test file exports', () => {
    const t = defineTest({ name: 'mine', system: 'memory', workload: 'set', timeLimit: 10 });
    expect(t).toMatchObject({ name: 'mine', timeLimit: 10 });
  });

  it('generators and combinators: a 2 s run at 100 ops/s, simulated', () => {
    const h = simulate(clients(timeLimit(2, stagger(0.01, uniqueAdds()))), { concurrency: 2, seed: 1 });
    const invokes = h.filter((o) => o.type === 'invoke');
    expect(invokes.at(-1)!.time).toBeLessThan(sToNs(2));
    expect(invokes.length).toBeGreaterThan(150);
    expect(invokes.length).toBeLessThan(250);
  });

  it('built-in checkers judge a history; compose runs several; the exit code follows the verdict', async () => {
    const adds = simulate(clients(limit(6, uniqueAdds())), { concurrency: 2, seed: 1 });
    const read: Op[] = [
      { index: adds.length, time: 1e9, type: 'invoke', process: 0, f: 'read', value: null },
      { index: adds.length + 1, time: 2e9, type: 'ok', process: 0, f: 'read', value: [0, 1, 2, 3, 4] },
    ];
    const lost = (await setChecker.check(ctx, [...adds, ...read], {})) as CheckResult;
    expect(lost.valid).toBe(false);
    expect(exitCodeFor(lost.valid)).toBe(EXIT.invalid);
    const both: Checker = compose([setChecker, counterChecker]);
    expect((await both.check(ctx, [...adds, ...read], {})).valid).toBe(false);
    expect(setWorkload(1).checkers).toContain(setChecker);
  });

  it('the linearizable checker and the register workload are reusable', async () => {
    const h = simulate(clients(limit(20, registerOps(3, false))), {
      concurrency: 1,
      seed: 1,
      complete: (op) => (op.f === 'read' ? { type: 'fail' } : {}),
    });
    const r = await linearizable({ model: 'cas-register' }).check(ctx, h, {});
    expect(r.valid).toBe(true);
  });

  it('exports the daemon helpers a system uses and the one-line error type', () => {
    for (const f of [startDaemon, stopDaemon, signalDaemon, killDaemon, pauseDaemon, resumeDaemon]) {
      expect(typeof f).toBe('function');
    }
    expect(() => timeLimit(-1, uniqueAdds())).toThrow(UserError);
  });
});
