import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import type { Op } from '../../../src/core/op.ts';
import { limit } from '../../../src/generator/combinators.ts';
import { simulate } from '../../../src/generator/simulate.ts';
import { resolveTest, workloadOptions } from '../../../src/registry.ts';
import { findWorkload } from '../../../workloads/index.ts';
import { listAppendWorkload } from '../../../workloads/list-append.ts';
import { rwRegisterWorkload } from '../../../workloads/rw-register.ts';

const base = { concurrency: 4, nodes: ['n1', 'n2'], rate: 0 };
const mopFs = (ops: Op[]) =>
  new Set(ops.filter((o) => o.type === 'invoke').flatMap((o) => (o.value as unknown[][]).map((m) => m[0])));

describe('list-append and rw-register workloads', () => {
  it('emit txns of their micro-ops and are checked by the Elle-class checker', () => {
    const la = listAppendWorkload({ ...base, options: {} });
    const rw = rwRegisterWorkload({ ...base, options: { maxTxnLength: 2 } });
    expect(la.checkers.map((c) => c.name)).toEqual(['elle']);
    expect(rw.checkers.map((c) => c.name)).toEqual(['elle']);
    const sim = (g: typeof la.generator) =>
      simulate(limit(100, g), { concurrency: 4, seed: 1, nemesis: false });
    expect(mopFs(sim(la.generator))).toEqual(new Set(['append', 'r']));
    const rwOps = sim(rw.generator);
    expect(mopFs(rwOps)).toEqual(new Set(['w', 'r']));
    expect(rwOps.every((o) => o.f === 'txn' && (o.value as unknown[]).length <= 2)).toBe(true);
  });

  it('--consistency-models reaches a txn workload; refused for others and for unknown models', () => {
    const la = findWorkload('list-append');
    expect(workloadOptions(la, { keyCount: 3 }, undefined)).toEqual({ keyCount: 3 });
    expect(workloadOptions(la, { consistencyModels: 'read-committed' }, ['serializable'])).toEqual({
      consistencyModels: ['serializable'],
    });
    expect(() => workloadOptions(findWorkload('set'), {}, ['serializable'])).toThrow(UserError);
    expect(() => workloadOptions(la, {}, ['serializable', 'bogus'])).toThrow(
      /unknown consistency model bogus; known models: .*serializable/,
    );
    const r = resolveTest({
      system: 'memory',
      workload: 'rw-register',
      consistencyModels: ['snapshot-isolation'],
    });
    expect(r.test.consistencyModels).toEqual(['snapshot-isolation']);
    expect(r.test.options).toEqual({});
    expect(resolveTest({ system: 'memory', workload: 'list-append' }).test.consistencyModels).toBeUndefined();
  });

  it('--opt keys are checked against the workload schema', () => {
    expect(() =>
      resolveTest({ system: 'memory', workload: 'list-append', options: { keyCount: 0 } }),
    ).toThrow(/option keyCount=0: expected whole number in \[1, 1000000\]/);
    expect(() =>
      resolveTest({ system: 'memory', workload: 'list-append', options: { consistencyModels: 'nope' } }),
    ).toThrow(/expected list of consistency model names/);
    expect(() =>
      resolveTest({ system: 'memory', workload: 'list-append', options: { wfrKeys: true } }),
    ).toThrow(/unknown option wfrKeys/);
    expect(
      resolveTest({ system: 'memory', workload: 'rw-register', options: { wfrKeys: true } }).workload.name,
    ).toBe('rw-register');
  });
});
