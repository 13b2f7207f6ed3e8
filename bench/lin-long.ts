/**
 * Long linearizability histories: register (one key, cas-register model) and kv (10 or 100 keys, kv
 * model) histories of 10k, 100k and 1M client ops at concurrency 10 and 100, honest and with one stale
 * read planted, checked in this process. Prints per case the verdict, whether the planted read was the
 * op reported, check time (wall and process CPU, min / median over --runs), µs of CPU per op, and the
 * peak growth of heap + array buffers during the check (sampled every 5 ms, from a collected heap; the
 * history itself is not counted). Histories come from the memory system's store driven directly: see
 * bench/lin-histories.ts for how, and why that is honest.
 *
 *   node bench/lin-long.ts [--runs 3] [--sizes 10000,100000,1000000] [--only kv|register]
 * (also run by `node bench/linearizability.ts --long`). The 1M cases take a few minutes in all.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { checkLinearizable } from '../checkers/linearizable/index.ts';
import { asRegister, generate } from './lin-histories.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
const min = (xs: number[]): number => Math.min(...xs);

interface Case {
  kind: 'register' | 'kv';
  ops: number;
  keys: number;
  concurrency: number;
}

/** Runs the long-history cases and prints one line per case; false when a verdict was wrong. */
export async function longCurve(opts: {
  runs: number;
  sizes: number[];
  only?: string | undefined;
}): Promise<boolean> {
  const cases: Case[] = [];
  for (const ops of opts.sizes) {
    cases.push({ kind: 'register', ops, keys: 1, concurrency: 10 });
    for (const keys of [10, 100])
      for (const concurrency of [10, 100]) cases.push({ kind: 'kv', ops, keys, concurrency });
  }
  let allOk = true;
  console.log(
    `long histories: runs per case ${opts.runs} (min / median; cpu = process CPU time during the check)`,
  );
  console.log(
    'kind      ops       keys  conc  anomaly  verdict  found  wall ms (min/med)   cpu ms (min/med)  cpu µs/op  peak heap MB',
  );
  for (const c of cases.filter((x) => !opts.only || x.kind === opts.only)) {
    const seed = c.ops + c.keys + c.concurrency;
    for (const planted of [false, true]) {
      // One history alive at a time: a 1M-op history is a few hundred MB.
      const made = generate(c.ops, c.keys, c.concurrency, seed, planted);
      const h = c.kind === 'register' ? asRegister(made.history) : made.history;
      const model = c.kind === 'register' ? 'cas-register' : 'kv';
      const wall: number[] = [];
      const cpu: number[] = [];
      let peak = 0;
      let verdict = '';
      let found = '-';
      for (let r = 0; r < opts.runs; r++) {
        gc();
        const base = process.memoryUsage();
        const used = (): number => {
          const m = process.memoryUsage();
          return m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers;
        };
        const sampler = setInterval(() => (peak = Math.max(peak, used())), 5);
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const res = await checkLinearizable(h, model, { minimize: false, timeLimitMs: 120_000 });
        const c1 = process.cpuUsage(c0);
        wall.push(performance.now() - t0);
        cpu.push((c1.user + c1.system) / 1000);
        clearInterval(sampler);
        peak = Math.max(peak, used());
        verdict = String(res.valid);
        if (planted) {
          // Found: the op reported is the planted read, or an op of its key near it (the furthest return
          // the search could not pass can be a concurrent op's).
          const at = res.failure?.op.completionIndex ?? undefined;
          found =
            at === undefined ? 'NO' : Math.abs(at - made.staleAt) <= 4 * c.concurrency ? 'yes' : `at ${at}`;
        }
      }
      const ok = planted ? verdict === 'false' && made.staleAt >= 0 : verdict === 'true';
      if (!ok) allOk = false;
      const mm = (xs: number[]): string => `${min(xs).toFixed(0)} / ${median(xs).toFixed(0)}`;
      console.log(
        `${c.kind.padEnd(9)} ${String(c.ops).padEnd(9)} ${String(c.keys).padStart(4)} ${String(c.concurrency).padStart(5)}  ` +
          `${(planted ? 'stale' : 'none').padEnd(7)}  ${verdict.padEnd(7)}${ok ? ' ' : '!'} ${found.padEnd(5)}  ` +
          `${mm(wall).padStart(17)}  ${mm(cpu).padStart(16)}  ${((min(cpu) * 1000) / c.ops).toFixed(2).padStart(9)}  ` +
          `${(peak / 1024 ** 2).toFixed(0).padStart(12)}`,
      );
    }
  }
  return allOk;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      sizes: { type: 'string', default: '10000,100000,1000000' },
      only: { type: 'string' },
    },
  });
  const ok = await longCurve({
    runs: Number(values.runs),
    sizes: values.sizes.split(',').map(Number),
    only: values.only,
  });
  if (!ok) process.exitCode = 1;
}
