/**
 * Elle-class checker benchmark (issue 15 "Measure"): synthetic list-append histories (concurrency 50,
 * 1–4 micro-ops per txn, a write skew and a stale read injected per 1,000 txns; bench/elle-history.ts)
 * of 1k, 10k, 100k and 1M txns, each checked with serializable and with strict-serializable. Prints
 * per row: txns, model, check time (ms, wall; the history is built beforehand, not counted), peak
 * memory (each row runs in a fresh child process, so its peak RSS is that check's: history + checker +
 * V8), the heap in use after the check, verdict and anomaly types with their case counts.
 * Goal: 100k ≤ 1 s and 1M ≤ 15 s under `--max-old-space-size=2048`.
 * Run: node bench/elle.ts [--sizes 1000,10000] [--models serializable] [--heap 2048] [--phases]
 * (--phases: each row also runs the pipeline's stages one by one and prints their times.)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkInference, checkTxnHistory } from '../checkers/elle/index.ts';
import { inferListAppend } from '../checkers/elle/list-append.ts';
import { findMalformedTxn, txnsOf } from '../checkers/elle/txns.ts';
import { listAppendHistory } from './elle-history.ts';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const MB = 1024 * 1024;

/** One measurement, as a child prints it (one JSON line). */
interface Row {
  txns: number;
  ops: number;
  model: string;
  genMs: number;
  checkMs: number;
  /** CPU time of the process during the check (user + system, all threads incl. GC), ms: steadier than wall time on a shared machine. */
  cpuMs: number;
  /** Peak resident set of the child process (history, checker, V8 overhead), MB. */
  peakRssMB: number;
  /** Heap in use after the check, MB (the history and the result). */
  heapAfterMB: number;
  verdict: string;
  anomalies: string;
  injected: string;
  /** With --phases: a second, warm run split into the pipeline's stages, CPU ms each. */
  phasesMs?: Record<string, number>;
}

/** The pipeline of checkTxnHistory stage by stage (validation, txns, inference, graph + cycles + verdict), CPU ms each. */
function phases(history: Parameters<typeof checkTxnHistory>[0], model: string): Record<string, number> {
  const out: Record<string, number> = {};
  // CPU time (user + system, incl. GC threads): wall time on this shared 2-core box is mostly waiting.
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let t = cpuMs();
  const lap = (name: string) => {
    const now = cpuMs();
    out[name] = Math.round(now - t);
    t = now;
  };
  // A copy: findMalformedTxn remembers the histories it passed (the check above validated this one).
  const copy = history.slice();
  lap('copy');
  findMalformedTxn(copy, 'list-append', { unpaired: 'skip' });
  lap('validate');
  const txns = txnsOf(copy, { unpaired: 'skip' });
  lap('txnsOf');
  const inference = inferListAppend(txns);
  lap('infer');
  checkInference(inference, { consistencyModels: [model] });
  lap('graph+cycles');
  return out;
}

const child = arg('--child');
if (child) {
  // One size and one model in a fresh process: peak RSS is then this check's alone.
  const [n, model] = [Number(child), arg('--model') ?? 'serializable'];
  const g0 = performance.now();
  const { history, injected } = listAppendHistory({ txns: n, seed: n });
  const genMs = performance.now() - g0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = checkTxnHistory(history, { workload: 'list-append', consistencyModels: [model] });
  const checkMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const types = r.anomalyTypes.map((t) => `${t} ${r.anomalyCounts?.[t] ?? r.anomalies[t]?.length ?? 0}`);
  const other = Object.entries(r.otherAnomalies ?? {}).map(([t, c]) => `${t} ${c} (allowed)`);
  const row: Row = {
    txns: n,
    ops: history.length,
    model,
    genMs,
    checkMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
    heapAfterMB: process.memoryUsage().heapUsed / MB,
    verdict: String(r.valid),
    anomalies: [...types, ...other].join(', ') || '-',
    injected: `${injected.writeSkews} G2-item, ${injected.staleReads} G-single-realtime`,
    ...(args.includes('--phases') ? { phasesMs: phases(history, model) } : {}),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
  process.exit(0);
}

const SIZES = (arg('--sizes') ?? '1000,10000,100000,1000000').split(',').map(Number);
const MODELS = (arg('--models') ?? 'serializable,strict-serializable').split(',');
const HEAP_MB = Number(arg('--heap') ?? 2048);
const self = fileURLToPath(import.meta.url);
const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(
  `list-append, concurrency 50, 1–4 micro-ops per txn; each row a fresh node --max-old-space-size=${HEAP_MB}`,
);
console.log(
  `${'txns'.padStart(10)}  ${'model'.padEnd(20)} ${'check ms'.padStart(8)}  ${'cpu ms'.padStart(8)}  ${'peak RSS MB'.padStart(11)}  ${'heap after MB'.padStart(13)}  ${'verdict'.padEnd(7)}  anomaly types (cases)`,
);
for (const n of SIZES) {
  for (const model of MODELS) {
    const res = spawnSync(
      process.execPath,
      [
        `--max-old-space-size=${HEAP_MB}`,
        self,
        '--child',
        String(n),
        '--model',
        model,
        ...(args.includes('--phases') ? ['--phases'] : []),
      ],
      { encoding: 'utf8', maxBuffer: 64 * MB },
    );
    const out = res.stdout.trim().split('\n').pop() ?? '';
    if (res.status !== 0 || !out.startsWith('{')) {
      const why = (res.stderr || '').trim().split('\n').slice(-3).join(' | ');
      console.log(
        `${pad(n.toLocaleString('en-US'), 10)}  ${model.padEnd(20)} FAILED (exit ${res.status ?? res.signal}): ${why}`,
      );
      continue;
    }
    const r = JSON.parse(out) as Row;
    console.log(
      `${pad(r.txns.toLocaleString('en-US'), 10)}  ${r.model.padEnd(20)} ${pad(r.checkMs.toFixed(0), 8)}  ${pad(r.cpuMs.toFixed(0), 8)}  ${pad(r.peakRssMB.toFixed(0), 11)}  ${pad(r.heapAfterMB.toFixed(0), 13)}  ${r.verdict.padEnd(7)}  ${r.anomalies}   [injected: ${r.injected}; history built in ${r.genMs.toFixed(0)} ms]`,
    );
    if (r.phasesMs)
      console.log(
        `${''.padStart(12)}phases (a second, warm run), CPU ms: ${Object.entries(r.phasesMs)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
  }
}
