import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../../src/core/op.ts';
import { Journal } from '../../../src/history/journal.ts';
import { OpLineBuffer } from '../../../src/history/op-lines.ts';
import { closeOpenInvokes, pairOps, partnerIndex } from '../../../src/history/pairs.ts';
import { keyword, stringifyExact } from '../../../src/history/values.ts';
import { readHistoryJsonl } from '../../../src/store/history.ts';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'faultline-journal-')), 'history.jsonl');
const op = (
  index: number,
  type: Op['type'],
  process: Op['process'],
  f = 'add',
  value: unknown = index,
): Op => ({
  index,
  time: index * 1000,
  type,
  process,
  f,
  value,
});
const lines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);

describe('Journal', () => {
  it('buffers client ops and writes them within the flush interval', async () => {
    const p = tmp();
    const j = new Journal(p, { flushMs: 20 });
    j.append(op(0, 'invoke', 0));
    j.append(op(1, 'ok', 0));
    expect(lines(p)).toHaveLength(0);
    await delay(80);
    expect(lines(p).map((l) => JSON.parse(l))).toEqual([op(0, 'invoke', 0), op(1, 'ok', 0)]);
    j.close();
  });

  it('writes at once when a nemesis op completes, so fault windows survive a crash', () => {
    const p = tmp();
    const j = new Journal(p, { flushMs: 60_000 });
    j.append(op(0, 'invoke', 'nemesis', 'start-partition'));
    expect(lines(p)).toHaveLength(0);
    j.append(op(1, 'info', 'nemesis', 'start-partition'));
    expect(lines(p)).toHaveLength(2);
    j.close();
  });

  it('close flushes everything and is idempotent', () => {
    const p = tmp();
    const j = new Journal(p, { flushMs: 60_000 });
    for (let i = 0; i < 1000; i++) j.append(op(i, i % 2 ? 'ok' : 'invoke', 0));
    j.close();
    j.close();
    expect(lines(p)).toHaveLength(1000);
    expect(JSON.parse(lines(p)[999]!).index).toBe(999);
  });
});

/** The bytes OpLineBuffer writes for `o`, alone in a buffer of `capacity` bytes. */
function encoded(o: unknown, capacity = 1 << 16): string | undefined {
  const b = new OpLineBuffer(capacity);
  return b.tryAppend(o as Op) === 'full' ? undefined : b.view().toString('utf8');
}

describe('history.jsonl lines (OpLineBuffer)', () => {
  const plain = op(7, 'ok', 3, 'add', 42);

  it('are exactly stringifyExact(op) + newline, on the fast path and off it', () => {
    const cases: unknown[] = [
      plain,
      op(0, 'invoke', 0, 'read', null),
      op(1, 'invoke', 'nemesis', 'start-partition', null),
      op(2, 'ok', 1, 'w', 'a "quoted"\nline \u2028 \ud800 \u0001 é 𝄞'),
      op(3, 'ok', 1, 'weird "f"\\ é', true),
      op(4, 'fail', 1, 'cas', false),
      op(5, 'ok', 1, 'x', -0),
      op(6, 'ok', 1, 'x', 1.5e-7),
      op(7, 'ok', 1, 'x', 2 ** 60),
      op(8, 'ok', 1, 'x', -123456789012345),
      op(9, 'ok', 1, 'x', 100000000),
      op(10, 'ok', 1, 'x', 1e21),
      op(11, 'ok', 1, 'x', Number.NaN),
      op(12, 'ok', 1, 'x', Number.POSITIVE_INFINITY),
      op(13, 'ok', 1, 'x', 2n ** 70n),
      op(14, 'ok', 1, 'read', [1, 2, 3]),
      op(15, 'ok', 1, 'read', keyword('k')),
      op(16, 'ok', 1, 'x', undefined),
      { ...plain, time: 1_234_567_890_123, index: 9_007_199_254_740_991 },
      { ...plain, time: 100_000_007, index: 99_999_999 },
      { ...plain, time: 12.5 },
      { ...plain, node: 'n1' },
      { ...plain, error: 'timeout' },
      { ...plain, fault: 'not-in-effect' },
      { ...plain, error: 'timed out', fault: 'heal-failed' },
      { ...plain, node: 'n"1' },
      { ...plain, 'odd "key"': 1.25, ok: true, no: null },
      { ...plain, node: undefined },
      { ...plain, node: ['n1'] },
      { ...plain, node: 2n ** 64n },
      { value: 1, index: 0, time: 0, type: 'ok', process: 0, f: 'x' },
      { index: 0, time: 0, type: 'ok', process: 0, f: 'x' },
      { index: 0, time: 0, type: 'ok', process: Number.NaN, f: 'x', value: 1 },
      { index: 0, time: 0, type: 'ok', process: 'nemesis', f: 'x', value: 'é' },
      Object.assign(Object.create({ inherited: 1 }), plain),
    ];
    for (const c of cases) expect(encoded(c)).toBe(`${stringifyExact(c)}\n`);
    // Twice: the second time the recurring strings come from the cache.
    for (const c of cases) expect(encoded(c)).toBe(`${stringifyExact(c)}\n`);
  });

  it('random plain ops encode as stringifyExact does', () => {
    const rng = (() => {
      let x = 12345;
      return () => {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        return x / 2 ** 31;
      };
    })();
    const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
    for (let i = 0; i < 2000; i++) {
      const n = () => pick([0, 1, 9, 10, 99_999_999, 100_000_000, 2 ** 53 - 1, -7, 0.1, 1e-7, 3.14e300]);
      const o: Record<string, unknown> = {
        index: Math.floor(rng() * 2 ** 40),
        time: Math.floor(rng() * 2 ** 52),
        type: pick(['invoke', 'ok', 'fail', 'info']),
        process: pick([0, 17, 1e6, 'nemesis']),
        f: pick(['add', 'read', 'cas', 'x\ty']),
        value: pick([null, true, false, n(), 'v', '', 'ü\n']),
      };
      if (rng() < 0.5) o.node = pick(['n1', 'n5']);
      if (rng() < 0.3) o.error = pick(['timeout', `e${i}`]);
      expect(encoded(o)).toBe(`${stringifyExact(o)}\n`);
    }
  });

  it('says full (and keeps what it has) when a line does not fit', () => {
    const b = new OpLineBuffer(1024);
    let appended = 0;
    while (b.tryAppend(op(appended, 'ok', 1, 'add', appended)) === 'appended') appended++;
    const before = b.view().toString('utf8');
    expect(b.lineCount).toBe(appended);
    expect(before.split('\n').filter(Boolean)).toHaveLength(appended);
    expect(b.byteLength).toBeLessThanOrEqual(1024);
    expect(b.tryAppend(op(0, 'ok', 1, 'read', 'x'.repeat(2000)))).toBe('full');
    expect(b.view().toString('utf8')).toBe(before);
    b.clear();
    expect(b.byteLength).toBe(0);
    expect(b.tryAppend(op(0, 'ok', 1, 'read', [1, 2]))).toBe('appended');
  });
});

describe('Journal: every op, in order', () => {
  it('writes every op once and in order across buffer-full flushes, oversized lines and close', () => {
    const p = tmp();
    const j = new Journal(p, { flushMs: 60_000, maxBufferBytes: 4096 });
    const ops: Op[] = [];
    for (let i = 0; i < 5000; i++) {
      const big = i % 997 === 0;
      const o = op(i, i % 2 ? 'ok' : 'invoke', i % 7, big ? 'read' : 'add', big ? 'v'.repeat(10_000) : i);
      if (i % 3 === 0) o.node = `n${i % 5}`;
      ops.push(o);
      j.append(o);
    }
    expect(j.flushedCount).toBeGreaterThan(0);
    j.close();
    expect(j.flushedCount).toBe(5000);
    expect(readFileSync(p, 'utf8')).toBe(ops.map((o) => `${stringifyExact(o)}\n`).join(''));
    j.append(op(5000, 'invoke', 0)); // after close: ignored, never a crash
    expect(lines(p)).toHaveLength(5000);
  });

  it('a process killed mid-run leaves a readable prefix of its history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-journal-kill-'));
    const p = join(dir, 'history.jsonl');
    // A child appends ops as fast as it can (flushing every 5 ms) and is killed with SIGKILL: no
    // close, no last flush. What it wrote must be whole lines, indices 0, 1, 2, … with no gap.
    const script = `
      const { Journal } = await import(${JSON.stringify(join(process.cwd(), 'src/history/journal.ts'))});
      const j = new Journal(${JSON.stringify(p)}, { flushMs: 5 });
      let i = 0;
      let said = false;
      const burst = () => {
        for (let k = 0; k < 2000; k++, i++)
          j.append({ index: i, time: i * 1000, type: i % 2 ? 'ok' : 'invoke', process: (i >> 1) % 50, f: 'add', value: i, node: 'n1' });
        // Ready once some ops reached the file: the parent then knows a prefix of at least that many.
        if (!said && j.flushedCount > 0) {
          said = true;
          process.stdout.write(\`ready \${j.flushedCount}\\n\`);
        }
        setImmediate(burst);
      };
      burst();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const flushedBeforeKill = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /ready (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    await delay(50);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const { history, warnings } = await readHistoryJsonl(p);
    expect(history.length).toBeGreaterThanOrEqual(flushedBeforeKill);
    expect(warnings.length).toBeLessThanOrEqual(1); // at most a torn last line
    history.forEach((o, i) => {
      expect(o.index).toBe(i);
      expect(o.value).toBe(i);
    });
  }, 60_000);
});

describe('pairing', () => {
  it('pairs each invoke with the next completion of its process', () => {
    const h = [op(0, 'invoke', 0), op(1, 'invoke', 1), op(2, 'ok', 1), op(3, 'info', 0), op(4, 'invoke', 5)];
    const { pairs, problems } = pairOps(h);
    expect(problems).toEqual([]);
    expect(pairs.map((p) => [p.invoke.index, p.completion?.index])).toEqual([
      [0, 3],
      [1, 2],
      [4, undefined],
    ]);
    expect([...partnerIndex(h)]).toEqual([3, 2, 1, 0, -1]);
  });

  it('reports a completion without an invoke and a double invoke', () => {
    const { problems } = pairOps([op(0, 'ok', 3), op(1, 'invoke', 0), op(2, 'invoke', 0)]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/no open invoke/);
    expect(problems[1]).toMatch(/invoked again/);
  });

  it('closes invokes left open with info completions', () => {
    const closed = closeOpenInvokes([op(0, 'invoke', 0), op(1, 'invoke', 1), op(2, 'ok', 1)]);
    expect(closed).toHaveLength(4);
    expect(closed[3]).toMatchObject({ index: 3, type: 'info', process: 0, f: 'add', value: 0 });
    expect(pairOps(closed).pairs.every((p) => p.completion)).toBe(true);
  });
});
