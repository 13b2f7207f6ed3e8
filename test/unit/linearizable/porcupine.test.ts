import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../../checkers/linearizable/index.ts';
import { readHistoryFile } from '../../../src/history/formats/index.ts';
import { porcupineDir } from './helpers.ts';

// Porcupine's test data lives beside the checkout (../shared from the repo root).
const DIR = porcupineDir();
const present = existsSync(join(DIR, 'EXPECTED.md'));
if (!present) console.warn(`Porcupine histories not found at ${DIR}; skipping the verdict table`);

/** file → expected verdict, read from EXPECTED.md's table. */
function expectations(): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of readFileSync(join(DIR, 'EXPECTED.md'), 'utf8').matchAll(
    /^\| ((?:jepsen|kv)\/\S+) \| ([^|]+)\|/gm,
  )) {
    // The empty etcd_095 has no test: an empty history is trivially linearizable.
    out.set(m[1]!, !m[2]!.includes('NOT'));
  }
  return out;
}

describe.skipIf(!present)('Porcupine histories get the verdicts EXPECTED.md gives', () => {
  const expected = present ? expectations() : new Map<string, boolean>();
  const files = present
    ? [
        ...readdirSync(join(DIR, 'jepsen')).map((f) => `jepsen/${f}`),
        ...readdirSync(join(DIR, 'kv')).map((f) => `kv/${f}`),
      ]
    : [];

  it('covers 103 etcd logs and 6 kv logs', () => {
    expect(files.filter((f) => f.startsWith('jepsen/')).length).toBe(103);
    expect(files.filter((f) => f.startsWith('kv/')).length).toBe(6);
    for (const f of files) expect(expected.has(f), f).toBe(true);
  });

  it.each(files.sort())('%s', async (file) => {
    const { history, model } = readHistoryFile(join(DIR, file));
    // an empty file implies no format-specific model
    if (history.length) expect(model).toBe(file.startsWith('kv/') ? 'porcupine-kv' : 'etcd');
    const r = await checkLinearizable(history, model ?? 'etcd', { timeLimitMs: 60_000, minimize: false });
    expect(r.valid).toBe(expected.get(file));
    if (history.length === 0) expect(r.summary).toContain('empty history');
  });
});
