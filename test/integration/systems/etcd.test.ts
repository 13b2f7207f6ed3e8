/**
 * etcd on a real 3-node Docker cluster (hostroot flavour): register under the harness's leader-targeted
 * faults (faults.ts) once, the stale-read hunt up to 3 times, register under faultline's own fault
 * families partition,kill,pause,clock in 3 of 3 runs of 30 s, and set and counter under those families.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requireDocker } from '../engine.ts';
import { checkerResult, cleanUpResults, runSut, type SutRunOptions } from './harness.ts';

const hasDocker = await requireDocker();
const resultsDir = mkdtempSync(join(tmpdir(), 'fl-etcd-'));
cleanUpResults(resultsDir, { afterEach, afterAll });
const FAULTS: SutRunOptions['faults'] = ['partition-primary', 'kill', 'pause'];
/** faultline's own fault families (nemeses/). */
const REAL_FAULTS = ['partition', 'kill', 'pause', 'clock'];

const base = { system: 'etcd', nodes: 3, resultsDir, opTimeoutS: 2 } as const;

function explain(r: Awaited<ReturnType<typeof runSut>>): string {
  return `${r.outcome.runDir} (seed ${r.seed}): ${r.outcome.error ?? r.outcome.results?.summary ?? ''}`;
}

describe.skipIf(!hasDocker)('etcd (3 nodes, hostroot)', () => {
  it('register without faults: linearizable', async () => {
    const r = await runSut({ ...base, workload: 'register', timeLimitS: 6 });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    expect(r.outcome.valid, explain(r)).toBe(true);
    const ok = r.outcome.history.filter((o) => o.type === 'ok').length;
    expect(ok).toBeGreaterThan(200);
    // The version the members report (GET /version) is in test.json: Debian's etcd 3.4.
    const test = JSON.parse(readFileSync(join(r.outcome.runDir, 'test.json'), 'utf8'));
    expect(test.systemVersion).toMatch(/^etcd 3\.4\.\d+/);
  });

  it('register under partitions of the leader, kills and pauses: linearizable', async () => {
    const r = await runSut({ ...base, workload: 'register', timeLimitS: 20, faults: FAULTS });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    expect(r.outcome.valid, explain(r)).toBe(true);
    const faults = r.outcome.history.filter((o) => o.process === 'nemesis' && o.type === 'ok');
    expect(faults.map((o) => o.f)).toEqual(
      expect.arrayContaining(['start-partition-primary', 'start-kill', 'heal']),
    );
  });

  it('register with serializable reads, leader partitioned: a stale read is caught (≤ 3 runs)', async () => {
    const tries: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runSut({
        ...base,
        workload: 'register',
        timeLimitS: 16,
        faults: ['partition-primary'],
        faultS: 5,
        opTimeoutS: 1,
        // Many distinct values: a stale value is then rarely explained by an indeterminate write.
        options: { readMode: 'serializable', valueCount: 100 },
      });
      tries.push(explain(r));
      expect(r.outcome.error, explain(r)).toBeUndefined();
      if (r.outcome.valid !== false) continue;
      const lin = checkerResult(r, 'linearizable') as {
        failure?: { op: { description: string }; finalPaths: { tried: { error: string }[] }[] };
      };
      expect(lin.failure?.op.description).toMatch(/^read /);
      const why = lin.failure?.finalPaths.flatMap((p) => p.tried.map((t) => t.error)).join('; ');
      expect(why).toMatch(/read \S+, but the register holds/);
      return;
    }
    throw new Error(`no stale read found in 3 runs:\n${tries.join('\n')}`);
  });

  // The leader is a target too: its partition is the one that matters most for Raft.
  const nemesisOptions = { partitionTargets: 'primaries,one,majority' };

  /** A run under faultline's own families that must be valid, with every family really striking. */
  async function validUnderEveryFamily(workload: string, timeLimitS: number) {
    const r = await runSut({ ...base, workload, timeLimitS, nemeses: REAL_FAULTS, options: nemesisOptions });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    expect(r.outcome.valid, explain(r)).toBe(true);
    const fs = r.outcome.history.filter((o) => o.process === 'nemesis' && o.type === 'ok').map((o) => o.f);
    expect([...new Set(fs)], explain(r)).toEqual(
      expect.arrayContaining(['start-partition', 'kill', 'pause']),
    );
    const clockFaults = fs.filter((f) => f.endsWith('-clock') && f !== 'reset-clock');
    expect(clockFaults.length, explain(r)).toBeGreaterThan(0);
    return r;
  }

  it('set under partition, kill, pause and clock faults: no acknowledged add lost', async () => {
    const r = await validUnderEveryFamily('set', 20);
    const set = checkerResult(r, 'set') as { acknowledgedCount: number; lost: unknown[] };
    // Enough acknowledged adds to lose some across the faults (a load average of 23 left 91 in 20 s).
    expect(set.acknowledgedCount).toBeGreaterThan(30);
    expect(set.lost).toEqual([]);
  });

  it('counter under partition, kill, pause and clock faults: every read within bounds', async () => {
    const r = await validUnderEveryFamily('counter', 20);
    const c = checkerResult(r, 'counter') as { readCount: number; acknowledged: number };
    expect(c.readCount).toBeGreaterThan(50);
    expect(c.acknowledged).toBeGreaterThan(50);
  });

  it('register under partition, kill, pause and clock faults: 3 of 3 runs linearizable (30 s each, at once)', async () => {
    // Three clusters side by side (each run its own seed and network): the suite's time limit, not a weaker test.
    await Promise.all([0, 1, 2].map(() => validUnderEveryFamily('register', 30)));
  }, 400_000);
});
