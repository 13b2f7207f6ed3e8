/**
 * etcd on a real 3-node Docker cluster (hostroot flavour): register under the harness's leader-targeted
 * faults (faults.ts) once, the stale-read hunt up to 3 times, register under faultline's own fault
 * families partition,kill,pause,clock in 3 of 3 runs of 30 s, and set and counter under those families
 * (every family must strike: a second run when one did not).
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

  /** The fault families that struck (completed ok) in a run: start-partition, kill, pause, clock. */
  function struck(r: Awaited<ReturnType<typeof runSut>>): Set<string> {
    const fs = r.outcome.history.filter((o) => o.process === 'nemesis' && o.type === 'ok').map((o) => o.f);
    const out = new Set(fs.filter((f) => ['start-partition', 'kill', 'pause'].includes(f)));
    if (fs.some((f) => f.endsWith('-clock') && f !== 'reset-clock')) out.add('clock');
    return out;
  }
  const EVERY_FAMILY = ['start-partition', 'kill', 'pause', 'clock'];

  /** One run under faultline's own families (random schedule, seeded): it must be valid. */
  async function validUnderFamilies(workload: string, timeLimitS: number) {
    const r = await runSut({ ...base, workload, timeLimitS, nemeses: REAL_FAULTS, options: nemesisOptions });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    expect(r.outcome.valid, explain(r)).toBe(true);
    return r;
  }

  /**
   * Valid runs until every family has struck in one of them (at most 2 runs, each asserted valid). A
   * family's fault may rightly fail `no-target` (a pause of the node a kill just took down, a partition
   * of the leader while none is elected), so one 20 s random schedule does not always show all four.
   */
  async function validUnderEveryFamily(workload: string, timeLimitS: number) {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const r = await validUnderFamilies(workload, timeLimitS);
      runs.push(r);
      if (struck(r).size === EVERY_FAMILY.length) return r;
    }
    const seen = new Set(runs.flatMap((r) => [...struck(r)]));
    expect([...seen].sort(), runs.map(explain).join('\n')).toEqual([...EVERY_FAMILY].sort());
    return runs[runs.length - 1]!;
  }

  it('set under partition, kill, pause and clock faults: no acknowledged add lost', async () => {
    const r = await validUnderEveryFamily('set', 20);
    const set = checkerResult(r, 'set') as { acknowledgedCount: number; lost: unknown[] };
    // Enough acknowledged adds to lose some across the faults (a load average of 23 left 91 in 20 s).
    expect(set.acknowledgedCount).toBeGreaterThan(30);
    expect(set.lost).toEqual([]);
  }, 400_000);

  it('counter under partition, kill, pause and clock faults: every read within bounds', async () => {
    const r = await validUnderEveryFamily('counter', 20);
    const c = checkerResult(r, 'counter') as { readCount: number; acknowledged: number };
    expect(c.readCount).toBeGreaterThan(50);
    expect(c.acknowledged).toBeGreaterThan(50);
  }, 400_000);

  it('register under partition, kill, pause and clock faults: 3 of 3 runs linearizable (30 s each, at once)', async () => {
    // Three clusters side by side (each run its own seed and network): the suite's time limit, not a weaker test.
    const runs = await Promise.all([0, 1, 2].map(() => validUnderFamilies('register', 30)));
    // Every family struck in one of the three (each can rightly miss one: see validUnderEveryFamily).
    const seen = new Set(runs.flatMap((r) => [...struck(r)]));
    expect([...seen].sort(), runs.map(explain).join('\n')).toEqual([...EVERY_FAMILY].sort());
    for (const r of runs) expect(struck(r).size, explain(r)).toBeGreaterThanOrEqual(2);
  }, 400_000);
});
