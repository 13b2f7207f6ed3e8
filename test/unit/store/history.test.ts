import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../../../src/history/formats/jsonl.ts';
import { readHistoryJsonl } from '../../../src/store/history.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const op = fc.record({
  index: fc.nat(1000),
  time: fc.nat(1e9),
  type: fc.constantFrom('invoke', 'ok', 'fail', 'info'),
  process: fc.oneof(fc.nat(20), fc.constant('nemesis')),
  f: fc.constantFrom('read', 'write', 'add'),
  value: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })),
});
/** A line that is not JSON: a torn op line (a prefix of one) or garbage. */
const torn = fc.oneof(
  op.chain((o) => {
    const s = JSON.stringify(o);
    return fc.integer({ min: 1, max: s.length - 1 }).map((n) => s.slice(0, n));
  }),
  fc.constantFrom('{', 'not json', '{"index":'),
);

let n = 0;
async function readBoth(text: string) {
  const path = join(dir, `h${n++}.jsonl`);
  writeFileSync(path, text);
  const stream = await readHistoryJsonl(path, 'h.jsonl').then(
    (r) => ({ ok: { history: r.history, warnings: r.warnings } }),
    (e: Error) => ({ err: e.message }),
  );
  let mem: { ok: { history: unknown[]; warnings: string[] } } | { err: string };
  try {
    const r = parseJsonl(text, 'h.jsonl');
    mem = { ok: { history: r.history, warnings: r.warnings } };
  } catch (e) {
    mem = { err: (e as Error).message };
  }
  return { stream, mem };
}

describe('the run folder history reader (src/store/history.ts)', () => {
  it('a torn last line is a warning; a bad line anywhere else is one error naming file:line', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 8 }),
        torn,
        fc.nat(),
        fc.boolean(),
        async (ops, bad, at, trailingNewline) => {
          const lines = ops.map((o) => JSON.stringify(o));
          const pos = at % (lines.length + 1);
          lines.splice(pos, 0, bad);
          const last = pos === lines.length - 1;
          const { stream } = await readBoth(lines.join('\n') + (trailingNewline ? '\n' : ''));
          if (last) {
            expect(stream).toEqual({
              ok: {
                history: expect.any(Array),
                warnings: [expect.stringMatching(`^h\\.jsonl:${pos + 1}: last line`)],
              },
            });
            expect((stream as { ok: { history: unknown[] } }).ok.history).toHaveLength(ops.length);
          } else {
            expect(stream).toEqual({ err: expect.stringMatching(`^h\\.jsonl:${pos + 1}: not valid JSON`) });
            expect((stream as { err: string }).err).not.toContain('\n');
          }
        },
      ),
      { seed: 20261130, numRuns: 150 },
    );
  });

  it('reads exactly as the in-memory parser (one policy), blank lines and CRLF included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            { weight: 5, arbitrary: op.map((o) => JSON.stringify(o)) },
            { weight: 1, arbitrary: fc.constant('') },
            { weight: 1, arbitrary: torn },
          ),
          {
            maxLength: 8,
          },
        ),
        fc.constantFrom('\n', '\r\n'),
        async (lines, eol) => {
          const { stream, mem } = await readBoth(lines.join(eol));
          expect(stream).toEqual(mem);
        },
      ),
      { seed: 20261130, numRuns: 150 },
    );
  });

  it('JSON that is not an op is an error even on the last line', async () => {
    const { stream } = await readBoth(
      '{"index":0,"time":0,"type":"ok","process":0,"f":"r","value":1}\n{"x":1}\n',
    );
    expect(stream).toEqual({ err: expect.stringMatching(/^h\.jsonl:2: not an Op/) });
  });
});
