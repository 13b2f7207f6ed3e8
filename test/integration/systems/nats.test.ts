/**
 * NATS JetStream (Debian's nats-server 2.9, 3 nodes, R3 streams) on a real Docker cluster (debian flavour).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requireDocker } from '../engine.ts';
import { checkerResult, cleanUpResults, runSut } from './harness.ts';

const hasDocker = await requireDocker();
const resultsDir = mkdtempSync(join(tmpdir(), 'fl-nats-'));
cleanUpResults(resultsDir, { afterEach, afterAll });
const base = { system: 'nats', nodes: 3, resultsDir, opTimeoutS: 3, flavour: 'debian' } as const;

function explain(r: Awaited<ReturnType<typeof runSut>>): string {
  return `${r.outcome.runDir} (seed ${r.seed}): ${r.outcome.error ?? r.outcome.results?.summary ?? ''}`;
}

describe.skipIf(!hasDocker)('nats jetstream (3 nodes, debian)', () => {
  it('set under partitions, kills, pauses: no acknowledged add lost', async () => {
    const r = await runSut({ ...base, workload: 'set', timeLimitS: 8 });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    expect(r.outcome.valid, explain(r)).toBe(true);
    const test = JSON.parse(readFileSync(join(r.outcome.runDir, 'test.json'), 'utf8'));
    expect(test.systemVersion).toMatch(/^nats-server 2\.9\.\d+/);
    expect(checkerResult(r, 'set')).toBeDefined();
  });
});
