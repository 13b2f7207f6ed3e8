import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkLinearizableSync,
  formatLinearizabilityResult,
  type LinearizabilityResult,
} from '../../../checkers/linearizable/index.ts';
import type { Op } from '../../../src/core/op.ts';
import { readHistoryFile } from '../../../src/history/formats/index.ts';
import { pairOps } from '../../../src/history/pairs.ts';
import { h } from './helpers.ts';

const DIR = fileURLToPath(new URL('../../../../shared/histories/porcupine', import.meta.url));
const present = existsSync(DIR);

/** The minimal history fails, and dropping any one op (invoke + completion) makes it linearizable. */
function expectOneMinimal(r: LinearizabilityResult, model: string): void {
  expect(r.valid).toBe(false);
  const m = r.failure?.minimal;
  expect(m).toBeDefined();
  expect(m!.oneMinimal).toBe(true);
  expect(checkLinearizableSync(m!.history, model, { minimize: false }).valid).toBe(false);
  const { pairs } = pairOps(m!.history);
  expect(pairs.length).toBe(m!.ops.length);
  for (const p of pairs) {
    const rest = m!.history.filter((op: Op) => op !== p.invoke && op !== p.completion);
    expect(checkLinearizableSync(rest, model, { minimize: false }).valid, `without #${p.invoke.index}`).toBe(
      true,
    );
  }
}

describe('minimal failing sub-history', () => {
  it('stale read after a completed write', () => {
    const history = h([
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'read', null],
      [2, 'invoke', 'write', 5],
      [2, 'ok', 'write', 5],
      [0, 'invoke', 'write', 2],
      [0, 'ok', 'write', 2],
      [1, 'ok', 'read', 5],
      [3, 'invoke', 'read', null],
      [3, 'ok', 'read', 1],
    ]);
    const r = checkLinearizableSync(history, 'register');
    expectOneMinimal(r, 'register');
    expect(r.failure!.minimal!.ops.length).toBeLessThanOrEqual(3);
    expect(r.failure!.op.description).toBe('read 1');
    const text = formatLinearizabilityResult(r);
    expect(text).toMatch(/^linearizable: false — NOT linearizable: read 1/);
    expect(text).toContain('cannot linearize: #8 → #9  p3  read 1');
    expect(text).toContain('minimal failing sub-history');
    expect(text).toMatch(/then read 1 \(#8\): read 1, but the register holds/);
  });

  it('lost cas with crashed ops around', () => {
    const history = h([
      [0, 'invoke', 'write', 0],
      [0, 'ok', 'write', 0],
      [1, 'invoke', 'cas', [0, 1]],
      [2, 'invoke', 'cas', [0, 2]],
      [1, 'ok', 'cas', [0, 1]],
      [2, 'ok', 'cas', [0, 2]],
      [3, 'invoke', 'write', 7],
      [3, 'info', 'write', 7],
    ]);
    expectOneMinimal(checkLinearizableSync(history, 'cas-register'), 'cas-register');
  });

  it
    .skipIf(!present)
    .each([
      'jepsen/etcd_000.log',
      'jepsen/etcd_004.log',
      'jepsen/etcd_057.log',
      'jepsen/etcd_099.log',
      'kv/c01-bad.txt',
      'kv/c10-bad.txt',
    ])('%s', (file) => {
    const { history, model } = readHistoryFile(`${DIR}/${file}`);
    const r = checkLinearizableSync(history, model!);
    expectOneMinimal(r, model!);
    expect(r.failure!.finalPaths.length).toBeGreaterThan(0);
  });
});
