/**
 * Does --checker-memory-limit bound the process? Checks histories that are hard on purpose, under each
 * memory limit, in a fresh child process each (peak RSS only ever grows), and prints the process's peak
 * RSS against the limit: register (K crashed writes read back one by one, then a read no linearization
 * allows: ~2^K cache entries), kv3 (the same on 3 keys: parallel partitions), set (K crashed adds and a
 * read of an element nobody added: 2^K model states, which live in the JS heap). The stated bound:
 * peak RSS ≤ limit + ALLOWANCE_MB (Node, faultline's modules and the history take ≈ 85 MB before the
 * check starts; the limit's own share is split between the search workers' capped heaps and caches).
 * Run: node bench/checker-memory.ts [--limits 128,256,512] [--writes K] [--time S] [--shapes register,kv3,set]
 * Exit 1 if any run broke the bound.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkLinearizable } from '../checkers/linearizable/index.ts';
import type { Op } from '../src/core/op.ts';

/** What the process may use beyond the limit: Node, the modules, the history, worker start-up. */
export const ALLOWANCE_MB = 96;

/**
 * K crashed writes 1..K, reads of 1..K in order, then a read of 1 again (impossible), on each of `keys`
 * independent keys (values `[key, v]`, model kv) or on one register (keys = 0, model register).
 */
export function hardHistory(k: number, keys = 0): Op[] {
  const h: Op[] = [];
  let t = 0;
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: t++, ...o });
  const ks = keys === 0 ? [undefined] : Array.from({ length: keys }, (_, i) => `k${i}`);
  ks.forEach((key, n) => {
    const val = (v: unknown) => (key === undefined ? v : [key, v]);
    const p0 = n * (k + 1);
    for (let i = 1; i <= k; i++) push({ type: 'invoke', process: p0 + i, f: 'write', value: val(i) });
    for (let i = 1; i <= k; i++) push({ type: 'info', process: p0 + i, f: 'write', value: val(i) });
    const reads = [...Array.from({ length: k }, (_, i) => i + 1), 1];
    for (const v of reads) {
      push({ type: 'invoke', process: p0, f: 'read', value: val(null) });
      push({ type: 'ok', process: p0, f: 'read', value: val(v) });
    }
  });
  return h;
}

/**
 * K crashed adds to a set and a concurrent read of an element nobody added: every subset of adds is a
 * model state (a JS array in the heap, where the cache estimate cannot see it).
 */
export function hardSetHistory(k: number): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length, ...o });
  for (let i = 1; i <= k; i++) push({ type: 'invoke', process: i, f: 'add', value: i });
  push({ type: 'invoke', process: 0, f: 'read', value: null });
  for (let i = 1; i <= k; i++) push({ type: 'info', process: i, f: 'add', value: i });
  push({ type: 'ok', process: 0, f: 'read', value: [-1] });
  return h;
}

/** The shapes measured: register (cache-heavy), kv over 3 keys (parallel), set (heap-heavy). */
const SHAPES = ['register', 'kv3', 'set'] as const;

const mb = (b: number) => Math.round(b / 2 ** 20);
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};

if (process.argv[2] === '--child') {
  const limitMb = Number(process.argv[3]);
  const k = Number(process.argv[4]);
  const timeS = Number(process.argv[5]);
  const shape = process.argv[6] as (typeof SHAPES)[number];
  const history = shape === 'set' ? hardSetHistory(Math.min(k, 26)) : hardHistory(k, shape === 'kv3' ? 3 : 0);
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await checkLinearizable(history, shape === 'kv3' ? 'kv' : shape, {
    memoryLimitBytes: limitMb * 2 ** 20,
    timeLimitMs: timeS * 1000,
    minimize: false,
  });
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    `${JSON.stringify({ limitMb, beforeMb: mb(before), peakMb: mb(peak), valid: r.valid, reason: r.reason ?? '', ms: Math.round(performance.now() - t0) })}\n`,
  );
  process.exit(0);
}

const limits = arg('--limits', '128,256,512').split(',').map(Number);
const k = Number(arg('--writes', '30'));
const timeS = Number(arg('--time', '60'));
const shapes = arg('--shapes', SHAPES.join(',')).split(',');
const self = fileURLToPath(import.meta.url);
console.log(`hard history: ${k} crashed writes per key; allowance ${ALLOWANCE_MB} MB over the limit`);
console.log('shape     limit MB  before MB  peak RSS MB  peak - limit  within  verdict');
let bad = 0;
for (const shape of shapes)
  for (const limitMb of limits) {
    const c = spawnSync(
      process.execPath,
      [self, '--child', String(limitMb), String(k), String(timeS), shape],
      { encoding: 'utf8' },
    );
    const line = c.stdout.trim().split('\n').at(-1) ?? '';
    if (c.status !== 0 || !line.startsWith('{')) {
      console.log(
        `${shape.padEnd(8)}  ${String(limitMb).padStart(8)}  child failed (exit ${c.status}): ${c.stderr.trim().split('\n')[0]}`,
      );
      bad++;
      continue;
    }
    const r = JSON.parse(line) as {
      beforeMb: number;
      peakMb: number;
      valid: unknown;
      reason: string;
      ms: number;
    };
    const within = r.peakMb <= limitMb + ALLOWANCE_MB;
    if (!within) bad++;
    console.log(
      `${shape.padEnd(8)}  ${String(limitMb).padStart(8)}  ${String(r.beforeMb).padStart(9)}  ${String(r.peakMb).padStart(11)}  ${String(r.peakMb - limitMb).padStart(12)}  ${within ? 'yes' : 'NO '}     ${String(r.valid)} ${r.reason} (${r.ms} ms)`,
    );
  }
process.exit(bad ? 1 : 0);
