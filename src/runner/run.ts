/**
 * One test run, start to finish: setup → main (workload + nemesis under the time limit) → heal →
 * recovery wait → final generator → teardown → check → store. Whatever happens (exception, SIGINT), the
 * history recorded so far is kept, faults are healed, what was provisioned is removed, and the exit code
 * says what happened.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { decideVerdict, shouldCheck } from '../check/verdict.ts';
import type { ResolvedTest } from '../config/define.ts';
import { type CheckResult, mergeValidity, noAnomalies } from '../core/checker.ts';
import { type ExitCode, errorText, exitCodeFor } from '../core/errors.ts';
import type { Generator, Thread } from '../core/generator.ts';
import type { Client, NemesisPackage, NodeRef, RunContext, System, Workload } from '../core/index.ts';
import { isFaultFailure } from '../core/nemesis.ts';
import type { Op, Process } from '../core/op.ts';
import type { Cluster } from '../core/remote.ts';
import { Rng } from '../core/rng.ts';
import { clients, clientsAndNemesis, nemesis as onNemesis, stagger, timeLimit } from '../generator/index.ts';
import { Journal } from '../history/journal.ts';
import { validateHistory } from '../history/validate.ts';
import { faultsOf, runCheckers } from '../registry.ts';
import { writeReports } from '../report/index.ts';
import { createRunDir, FILES, linkLatest, writeJson } from '../store/run-dir.ts';
import { createLogger } from '../util/log.ts';
import { VERSION } from '../version.ts';
import type { Phase, RunListener } from './events.ts';
import { interpret, type Worker } from './interpreter.ts';

export interface RunParts {
  system: System;
  workload: Workload;
  nemesis?: NemesisPackage;
  /** Provisions nodes for systems that need a cluster. */
  cluster?: Cluster;
}

export interface RunControl {
  /** First Ctrl-C: stop issuing ops, wait briefly for ops in flight, then heal, tear down, check. */
  stop?: AbortSignal;
  /** Second Ctrl-C: skip the waits (teardown still happens). */
  hardStop?: AbortSignal;
  onEvent?: RunListener;
  /** Extra fields for test.json (argv, test file…). */
  meta?: Record<string, unknown>;
  /** Keep the cluster after the run (debugging). */
  leaveRunning?: boolean;
}

/** How far past the time limit a planned fault that slow earlier faults delayed may still start. */
const SCHEDULE_SLACK_S = 10;

export interface RunOutcome {
  runDir: string;
  valid: true | false | 'unknown';
  exitCode: ExitCode;
  results: CheckResult | undefined;
  /** Set when the run itself failed or was interrupted. */
  error?: string;
  history: Op[];
}

export async function runTest(
  test: ResolvedTest,
  parts: RunParts,
  control: RunControl = {},
): Promise<RunOutcome> {
  const started = new Date();
  const runDir = createRunDir(test.resultsDir, test.name, started);
  const log = createLogger({ file: join(runDir, FILES.log), consoleLevel: 'silent' });
  const emit = control.onEvent ?? (() => {});
  const t0 = performance.now();
  const clock = () => Math.round((performance.now() - t0) * 1e6);
  const phase = (p: Phase) => {
    log.info(`phase ${p}`);
    emit({ kind: 'phase', phase: p, atNs: clock() });
  };
  const stopAll = new AbortController();
  const stop = anySignal([control.stop, stopAll.signal]);
  const testJson: Record<string, unknown> = {
    ...test,
    faultlineVersion: VERSION,
    nodeVersion: process.version,
    startTime: started.toISOString(),
    // The faults the nemesis performs, as data: the report draws its windows from them.
    faults: faultsOf(parts.nemesis),
    ...control.meta,
  };
  writeJson(join(runDir, FILES.test), testJson);

  const journal = new Journal(join(runDir, FILES.history));
  const history: Op[] = [];
  const record = (op: Op) => {
    history.push(op);
    journal.append(op);
    emit({ kind: 'op', op });
  };
  const ctx: RunContext = {
    name: test.name,
    nodes: test.nodes,
    remotes: [],
    concurrency: test.concurrency,
    seed: test.seed,
    mode: test.mode,
    options: test.options,
    runDir,
    log,
    signal: stop,
  };
  const rng = new Rng(test.seed);
  const { system, workload, nemesis } = parts;
  let nodes: NodeRef[] = test.nodes.map((name) => ({ name }));
  const clientsByThread = new Map<number, Client | undefined>();
  let error: string | undefined;
  let interrupted = false;
  let setUp = false;
  let teardownProblems: string[] = [];

  try {
    phase('setup');
    if (system.needsCluster) {
      if (!parts.cluster) throw new Error(`system ${system.name} needs a cluster, but none was configured`);
      const remotes = await parts.cluster.provision({ count: test.nodes.length }, stop);
      ctx.remotes = remotes;
      nodes = remotes.map((r) => ({ name: r.name, remote: r }));
    }
    setUp = true;
    await Promise.all(nodes.map((n) => system.setup(ctx, n)));
    await nemesis?.nemesis.setup?.(ctx);
    if (nemesis?.schedule) writeJson(join(runDir, FILES.schedule), nemesis.schedule);

    const openClient = workload.name in system.clients ? system.clients[workload.name]! : undefined;
    if (!openClient) throw new Error(`system ${system.name} has no client for workload ${workload.name}`);
    const workers = new Map<Thread, Worker>();
    for (let t = 0; t < test.concurrency; t++) {
      const node = nodes[t % nodes.length]!;
      clientsByThread.set(t, await openClient(ctx, node));
      workers.set(t, {
        node: node.name,
        async invoke(op, signal) {
          let c = clientsByThread.get(t);
          if (!c) {
            // Reopening failed earlier: try again; if it still fails the op was never sent.
            try {
              c = await openClient(ctx, node);
              clientsByThread.set(t, c);
            } catch (err) {
              return { type: 'fail', error: `client could not connect to ${node.name}: ${errorText(err)}` };
            }
          }
          return c.invoke(op, signal);
        },
        async reset() {
          const old = clientsByThread.get(t);
          clientsByThread.set(t, undefined);
          await old?.close().catch(() => {});
          try {
            clientsByThread.set(t, await openClient(ctx, node));
          } catch (err) {
            log.warn(`thread ${t}: reopening client on ${node.name} failed: ${errorText(err)}`);
          }
        },
      });
    }
    if (nemesis) workers.set('nemesis', { invoke: (op) => nemesis.nemesis.invoke(ctx, op) });

    let processes: Map<Thread, Process> | undefined;
    let nextIndex = 0;
    const runPhase = async (gen: Generator, opts: { stoppable: boolean }) => {
      const r = await interpret({
        generator: gen,
        concurrency: test.concurrency,
        workers,
        rng,
        clock,
        record,
        firstIndex: nextIndex,
        opTimeoutMs: test.opTimeout * 1000,
        ...(opts.stoppable ? { stop } : {}),
        ...(control.hardStop ? { hardStop: control.hardStop } : {}),
        graceMs: 2000,
        ...(processes ? { processes } : {}),
      });
      nextIndex = r.nextIndex;
      processes = r.processes;
      if (r.stopped) interrupted = true;
    };

    phase('running');
    const limitS = test.timeLimit;
    let clientGen = workload.generator;
    if (test.rate > 0) clientGen = stagger(1 / test.rate, clientGen);
    // A planned schedule already ends before the time limit; cutting it again could drop a fault that a
    // slow earlier one pushed late, and then the same seed would not give the same faults.
    const nemesisGen =
      nemesis && timeLimit(nemesis.schedule ? limitS + SCHEDULE_SLACK_S : limitS, nemesis.generator);
    const main = nemesisGen
      ? clientsAndNemesis(timeLimit(limitS, clientGen), nemesisGen)
      : clients(timeLimit(limitS, clientGen));
    await runPhase(main, { stoppable: true });

    // Healing and final reads happen even after Ctrl-C: a history without them cannot be judged.
    if (nemesis?.finalGenerator) {
      phase('healing');
      await runPhase(onNemesis(nemesis.finalGenerator), { stoppable: false });
    }
    if (!interrupted) {
      phase('recovering');
      await delay(test.recoveryTime * 1000, undefined, { signal: stop }).catch(() => {});
      if (workload.finalGenerator && !stop.aborted) {
        phase('final');
        await runPhase(clients(workload.finalGenerator), { stoppable: true });
      }
    }
    // A fault that did not take effect (or did not heal) makes the verdict meaningless: fail loudly.
    const bad = history.filter(
      (o) => o.process === 'nemesis' && o.type !== 'invoke' && isFaultFailure(o.error),
    );
    if (bad.length) {
      throw new Error(`nemesis: ${bad.length} fault(s) not in effect or not healed; first: ${bad[0]!.error}`);
    }
  } catch (err) {
    error = errorText(err);
    log.error(`run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    emit({ kind: 'log', level: 'error', message: error });
    stopAll.abort();
  } finally {
    phase('teardown');
    teardownProblems = await teardown({
      ctx,
      system,
      nemesis,
      nodes,
      clients: clientsByThread,
      cluster: parts.cluster,
      setUp,
      runDir,
      control,
    });
    for (const p of teardownProblems) emit({ kind: 'log', level: 'error', message: `teardown: ${p}` });
    journal.close();
  }

  phase('checking');
  let results: CheckResult | undefined;
  const checker = runCheckers(workload);
  // A run that recorded impossible ops has a bug somewhere: its verdict is unknown, with the problems listed.
  const verdictOpts = { historyProblems: validateHistory(history) };
  try {
    if (shouldCheck(verdictOpts)) {
      results = await checker.check({ test: { ...test } }, history, {
        timeLimitMs: test.checkerTimeLimit * 1000,
        ...(test.checkerMemoryLimit ? { memoryLimitBytes: test.checkerMemoryLimit * 2 ** 20 } : {}),
        ...(control.hardStop ? { signal: control.hardStop } : {}),
      });
    }
    results = decideVerdict(results, verdictOpts);
  } catch (err) {
    results = { valid: 'unknown', reason: `checking failed: ${errorText(err)}`, ...noAnomalies() };
  }
  const valid = mergeValidity([results.valid]);
  const ended = new Date();
  writeJson(join(runDir, FILES.results), {
    ...results,
    valid,
    ...(error ? { runError: error } : {}),
    ...(interrupted ? { interrupted: true } : {}),
    ...(teardownProblems.length ? { teardownProblems } : {}),
  });
  writeJson(join(runDir, FILES.test), {
    ...testJson,
    endTime: ended.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    opCount: history.length,
    ...(interrupted ? { interrupted: true } : {}),
    ...(error ? { error } : {}),
  });
  try {
    const r = await writeReports(runDir);
    for (const w of r.warnings) log.warn(`report: ${w}`);
  } catch (err) {
    log.error(`report: ${errorText(err)}`);
    emit({ kind: 'log', level: 'warn', message: `the report could not be written: ${errorText(err)}` });
  }
  linkLatest(test.resultsDir, runDir);
  phase('done');
  const exitCode: ExitCode = error || interrupted ? 255 : exitCodeFor(valid);
  emit({ kind: 'verdict', valid, runDir, summary: results.summary ?? '' });
  const out: RunOutcome = { runDir, valid, exitCode, results, history };
  if (error) out.error = error;
  else if (interrupted) out.error = 'run interrupted';
  return out;
}

interface TeardownArgs {
  ctx: RunContext;
  system: System;
  nemesis: NemesisPackage | undefined;
  nodes: NodeRef[];
  clients: Map<number, Client | undefined>;
  cluster: Cluster | undefined;
  setUp: boolean;
  runDir: string;
  control: RunControl;
}

/**
 * Heals, closes, collects logs, tears down, destroys. Each step is attempted even if an earlier one
 * failed; the problems are returned so the run can report them (results.json, the terminal).
 */
async function teardown(a: TeardownArgs): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, f: () => Promise<unknown> | undefined) => {
    try {
      await f();
    } catch (err) {
      problems.push(`${what} failed: ${errorText(err)}`);
      a.ctx.log.error(`teardown: ${what} failed: ${errorText(err)}`);
    }
  };
  await step('healing faults', () => a.nemesis?.nemesis.teardown?.(a.ctx));
  await step('closing clients', () => Promise.all([...a.clients.values()].map((c) => c?.close())));
  if (a.cluster && a.setUp && a.system.logFiles) {
    const files: Record<string, string[]> = {};
    for (const n of a.nodes) files[n.name] = a.system.logFiles(a.ctx, n);
    await step('collecting logs', () => a.cluster?.collect(files, join(a.runDir, FILES.nodes)));
  }
  if (a.setUp)
    await step('system teardown', () => Promise.all(a.nodes.map((n) => a.system.teardown(a.ctx, n))));
  if (a.cluster && !a.control.leaveRunning) {
    await step('removing the cluster', async () => {
      for (const p of await a.cluster!.destroy()) {
        problems.push(p);
        a.ctx.log.error(`teardown: ${p}`);
      }
    });
  }
  return problems;
}

function anySignal(signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
