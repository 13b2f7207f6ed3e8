/**
 * System.awaitRecovery: the runner waits for it after the heal and --recovery-time, before the final
 * phase (NATS JetStream needs 4–10 s after its servers restart before its consumer answers; final ops
 * sent earlier ended unknown). A hook that throws is logged and never fails the run. Real run code, the
 * in-process memory system with the hook added.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClientFactory, System } from '../../../src/core/index.ts';
import { resolveTest } from '../../../src/registry.ts';
import { runTest } from '../../../src/runner/run.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'faultline-recovery-'));

/** A short honest memory set run whose system gets `awaitRecovery`; reads record whether it had ended. */
async function run(awaitRecovery: System['awaitRecovery']) {
  const r = resolveTest({
    system: 'memory',
    workload: 'set',
    nemesis: 'none',
    nodes: ['a1', 'a2'],
    timeLimit: 0.3,
    rate: 100,
    recoveryTime: 0,
    resultsDir: dir(),
  });
  const state = { recovered: false, readsBefore: 0, readsAfter: 0 };
  const open: ClientFactory = async (test, node) => {
    const c = await r.system.clients.set!(test, node);
    return {
      invoke: (op, signal) => {
        if (op.f === 'read') state[state.recovered ? 'readsAfter' : 'readsBefore']++;
        return c.invoke(op, signal);
      },
      close: () => c.close(),
    };
  };
  const system: System = {
    ...r.system,
    clients: { ...r.system.clients, set: open },
    awaitRecovery: async (test, signal) => {
      await awaitRecovery?.(test, signal);
      state.recovered = true;
    },
  };
  const out = await runTest(r.test, { system, workload: r.workload });
  return { out, state, log: readFileSync(join(out.runDir, 'faultline.log'), 'utf8') };
}

describe('System.awaitRecovery', () => {
  it('is awaited before the final reads', async () => {
    const { out, state, log } = await run(() => new Promise((r) => setTimeout(r, 300)));
    expect(out.exitCode).toBe(0);
    expect(state.readsBefore).toBe(0);
    expect(state.readsAfter).toBe(2);
    expect(log).toMatch(/memory: ready for the final phase after \d+ ms/);
  });

  it('a hook that throws is logged; the final reads still run and the run passes', async () => {
    const { out, state, log } = await run(async () => {
      throw new Error('no leader');
    });
    expect(out.exitCode).toBe(0);
    expect(out.error).toBeUndefined();
    expect(state.readsBefore).toBe(2);
    expect(log).toContain('memory: waiting for recovery failed: no leader; running the final phase anyway');
  });
});
