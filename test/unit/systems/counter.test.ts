import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { counterChecker } from '../../../checkers/counter.ts';
import type { ResolvedTest } from '../../../src/config/define.ts';
import type { Op } from '../../../src/core/op.ts';
import { runTest } from '../../../src/runner/run.ts';
import { memorySystem } from '../../../systems/memory/index.ts';
import { counterWorkload } from '../../../workloads/counter.ts';

const ctx = { test: { name: 't', concurrency: 2, nodes: ['n1'] } };

/** Builds a history from [process, type, f, value] steps; times = indexes. */
function h(steps: [number, Op['type'], string, unknown][]): Op[] {
  return steps.map(([process, type, f, value], index) => ({ index, time: index, process, type, f, value }));
}

const check = (ops: Op[]) =>
  counterChecker.check(ctx, ops, {}) as Record<string, unknown> & { valid: unknown };

describe('counter checker', () => {
  it('accepts reads between acknowledged and attempted increments', () => {
    const r = check(
      h([
        [0, 'invoke', 'add', 1],
        [1, 'invoke', 'read', null],
        [0, 'ok', 'add', 1],
        [1, 'ok', 'read', 1], // the add was concurrent: 0 or 1 allowed
        [0, 'invoke', 'add', 2],
        [0, 'info', 'add', 2], // may have happened
        [1, 'invoke', 'read', null],
        [1, 'ok', 'read', 3],
        [2, 'invoke', 'add', 5],
        [2, 'fail', 'add', 5], // certainly did not happen
        [1, 'invoke', 'read', null],
        [1, 'ok', 'read', 1],
      ]),
    );
    expect(r.valid).toBe(true);
    expect(r.acknowledged).toBe(1);
    expect(r.attempted).toBe(3);
  });

  it('lists reads below the acknowledged sum and above the attempted sum', () => {
    const r = check(
      h([
        [0, 'invoke', 'add', 1],
        [0, 'ok', 'add', 1],
        [1, 'invoke', 'read', null],
        [1, 'ok', 'read', 0], // lost increment
        [2, 'invoke', 'add', 4],
        [2, 'fail', 'add', 4],
        [1, 'invoke', 'read', null],
        [1, 'ok', 'read', 5], // includes a failed add
      ]),
    );
    expect(r.valid).toBe(false);
    expect(r.errorCount).toBe(2);
    expect(r.errors).toEqual([
      { index: 3, process: 1, value: 0, lower: 1, upper: 1 },
      { index: 7, process: 1, value: 5, lower: 1, upper: 1 },
    ]);
  });

  it('is unknown without reads', () => {
    expect(check(h([[0, 'invoke', 'add', 1]])).valid).toBe('unknown');
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runMemoryCounter(mode: string, options: Record<string, unknown> = {}) {
  const nodes = ['n1', 'n2', 'n3'];
  const test: ResolvedTest = {
    name: `memory-counter-${mode}`,
    system: 'memory',
    mode,
    workload: 'counter',
    nemesis: [],
    nodes,
    concurrency: 6,
    timeLimit: 0.4,
    rate: 0,
    seed: 42,
    recoveryTime: 0,
    opTimeout: 5,
    nemesisTimeout: 120,
    nemesisInterval: 5,
    checkerTimeLimit: 30,
    checkerMemoryLimit: undefined,
    resultsDir: dirs[dirs.push(mkdtempSync(join(tmpdir(), 'fl-counter-'))) - 1]!,
    options,
  };
  const workload = counterWorkload({ concurrency: 6, nodes, rate: 0, options });
  return runTest(test, { system: memorySystem.create(mode), workload });
}

describe('counter workload on the memory system', () => {
  it('honest: valid, with reads and increments', async () => {
    const out = await runMemoryCounter('honest', { latencyMs: 1 });
    expect(out.valid).toBe(true);
    const counter = (out.results as unknown as { results: Record<string, Record<string, unknown>> }).results
      .counter!;
    expect(counter.readCount).toBeGreaterThan(10);
    expect(counter.acknowledged).toBeGreaterThan(10);
  });

  it('lost-writes: invalid, with out-of-bound reads listed', async () => {
    const out = await runMemoryCounter('lost-writes', { latencyMs: 1, lossRate: 0.2 });
    expect(out.valid).toBe(false);
    const counter = (out.results as unknown as { results: Record<string, Record<string, unknown>> }).results
      .counter!;
    expect(counter.errorCount).toBeGreaterThan(0);
    const e = (counter.errors as { value: number; lower: number }[])[0]!;
    expect(e.value).toBeLessThan(e.lower);
  });

  it('random deltas: honest stays valid', async () => {
    const out = await runMemoryCounter('honest', { latencyMs: 1, deltaMax: 5 });
    expect(out.valid).toBe(true);
  });
});
