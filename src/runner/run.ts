/**
 * One test run, start to finish: setup → main (workload + nemesis under the time limit) → heal →
 * recovery wait → final generator → teardown → check → store. Whatever happens (exception, SIGINT), the
 * history recorded so far is kept, faults are healed, what was provisioned is removed, and the exit code
 * says what happened:
 * - a signal (control.stop) in any phase is recorded with that phase (`interruptedPhase`): exit 255;
 * - an unexpected error anywhere in the process while the run is on (even one no `try` sees: a throw in a
 *   client library's timer) fails the run: exit 255, one line, teardown still runs, the history is kept;
 * - any nemesis op that did not complete `ok` fails the run (a fault that did not happen never passes);
 * - a node lost mid-run (container died or removed, not by our nemesis) is recorded in the history as an
 *   unplanned nemesis event `node-lost` and fails the run, unless it happened after the final reads
 *   (teardown): then the checkers had everything they need and the verdict stands;
 * - a cluster backend that goes away (Docker engine stopped) stops the run at once, keeps the history,
 *   and names the `faultline clean --run-id` command.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { decideVerdict, shouldCheck } from '../check/verdict.ts';
import type { ResolvedTest } from '../config/define.ts';
import { type CheckResult, mergeValidity, noAnomalies } from '../core/checker.ts';
import { type ExitCode, errorText, exitCodeFor } from '../core/errors.ts';
import type { Generator, Invocation, Thread } from '../core/generator.ts';
import type {
  Client,
  Completion,
  NemesisPackage,
  NodeRef,
  RunContext,
  System,
  Workload,
} from '../core/index.ts';
import type { Op, Process } from '../core/op.ts';
import type { Cluster, ClusterEvent } from '../core/remote.ts';
import { Rng } from '../core/rng.ts';
import { clients, clientsAndNemesis, nemesis as onNemesis, stagger, timeLimit } from '../generator/index.ts';
import { Journal } from '../history/journal.ts';
import { validateHistory } from '../history/validate.ts';
import { faultsOf, runCheckers } from '../registry.ts';
import { writeReports } from '../report/index.ts';
import { createRunDir, FILES, linkLatest, writeJson } from '../store/run-dir.ts';
import { createLogger } from '../util/log.ts';
import { VERSION } from '../version.ts';
import { guardCrashes } from './crash-guard.ts';
import type { Phase, RunListener } from './events.ts';
import { interpret, type Worker } from './interpreter.ts';
import { ENGINE_LOST, NODE_LOST, namedNodes, nemesisFailures } from './lifecycle.ts';
import { readSystemVersion } from './system-version.ts';

export interface RunParts {
  system: System;
  workload: Workload;
  nemesis?: NemesisPackage;
  /** Provisions nodes for systems that need a cluster. */
  cluster?: Cluster;
}

export interface RunControl {
  /**
   * First Ctrl-C: stop issuing ops, wait briefly for ops in flight, then heal, tear down, check. In any
   * phase it is recorded (results.json `interruptedPhase`) and the run exits 255.
   */
  stop?: AbortSignal;
  /** Second Ctrl-C: skip the waits and cancel the check (teardown still happens). */
  hardStop?: AbortSignal;
  onEvent?: RunListener;
  /** Extra fields for test.json (argv, test file…). */
  meta?: Record<string, unknown>;
  /** Keep the cluster after the run (debugging). */
  leaveRunning?: boolean;
}

/** How far past the time limit a planned fault that slow earlier faults delayed may still start. */
const SCHEDULE_SLACK_S = 10;

/** What a run ended with (also in the run folder: results.json, test.json). */
export interface RunOutcome {
  runDir: string;
  valid: true | false | 'unknown';
  /** 0/1/2 from the verdict; 255 when the run failed or was interrupted. */
  exitCode: ExitCode;
  results: CheckResult | undefined;
  /** Set when the run itself failed or was interrupted: one line. */
  error?: string;
  /** The stack of the unexpected error behind `error`, if any (printed under --verbose). */
  errorStack?: string;
  /** The phase a signal arrived in, when the run was interrupted. */
  interruptedPhase?: Phase;
  /** What teardown could not do (heal, clean a host: naming the host and what to remove by hand). */
  teardownProblems?: string[];
  history: Op[];
}

/** Where uncaught errors go while a run is on (set once the run can fail; earlier ones wait). */
interface CrashSink {
  handler?: (err: unknown) => void;
  pending: unknown[];
}

/**
 * Runs one test start to finish (see the module comment for what ends it how). Throws only when the
 * run folder cannot be created; every other failure is in the outcome (exit 255).
 */
export async function runTest(
  test: ResolvedTest,
  parts: RunParts,
  control: RunControl = {},
): Promise<RunOutcome> {
  // Errors no `try` sees (a throw in a client library's timer) fail this run instead of the process.
  const sink: CrashSink = { pending: [] };
  const unguard = guardCrashes((err) => (sink.handler ? sink.handler(err) : sink.pending.push(err)));
  try {
    return await runGuarded(test, parts, control, sink);
  } finally {
    unguard();
  }
}

async function runGuarded(
  test: ResolvedTest,
  parts: RunParts,
  control: RunControl,
  sink: CrashSink,
): Promise<RunOutcome> {
  const started = new Date();
  const runDir = createRunDir(test.resultsDir, test.name, started);
  const log = createLogger({ file: join(runDir, FILES.log), consoleLevel: 'silent' });
  const emit = control.onEvent ?? (() => {});
  const t0 = performance.now();
  const clock = () => Math.round((performance.now() - t0) * 1e6);
  let phaseNow: Phase = 'setup';
  const phase = (p: Phase) => {
    phaseNow = p;
    log.info(`phase ${p}`);
    emit({ kind: 'phase', phase: p, atNs: clock() });
  };
  const stopAll = new AbortController();
  const stop = anySignal([control.stop, stopAll.signal]);

  // A signal is recorded with the phase it arrived in, whatever that phase does about it.
  let interruptedPhase: Phase | undefined;
  const onInterrupt = () => {
    if (interruptedPhase) return;
    interruptedPhase = phaseNow;
    log.warn(`interrupted during ${phaseNow}`);
  };
  if (control.stop?.aborted) onInterrupt();
  else control.stop?.addEventListener('abort', onInterrupt, { once: true });

  // The first failure of the run itself (not of the system under test): stops the run, exit 255.
  let failure: string | undefined;
  let failureStack: string | undefined;
  const fail = (why: string, err?: unknown) => {
    if (failure !== undefined) return;
    failure = why;
    if (err instanceof Error && err.stack) failureStack = err.stack;
    log.error(`run failed during ${phaseNow}: ${err instanceof Error ? (err.stack ?? why) : why}`);
    emit({ kind: 'log', level: 'error', message: why });
    stopAll.abort();
  };
  sink.handler = (err) => fail(`unexpected error: ${errorText(err)}`, err);
  for (const err of sink.pending.splice(0)) sink.handler(err);

  const testJson: Record<string, unknown> = {
    ...test,
    ...(parts.cluster ? { runId: parts.cluster.runId } : {}),
    faultlineVersion: VERSION,
    nodeVersion: process.version,
    startTime: started.toISOString(),
    // The faults the nemesis performs, as data: the report draws its windows from them.
    faults: faultsOf(parts.nemesis),
    ...control.meta,
  };
  writeJson(join(runDir, FILES.test), testJson);

  const journal = new Journal(join(runDir, FILES.history));
  let journalOpen = true;
  const history: Op[] = [];
  emit({ kind: 'history', ops: history });
  // Indices are assigned here, not by the interpreter, so unplanned events (node-lost) keep them dense.
  let nemesisOpen = false;
  const unplanned: { f: string; value: unknown; error: string }[] = [];
  const record = (op: Op) => {
    op.index = history.length;
    history.push(op);
    if (journalOpen) journal.append(op);
    emit({ kind: 'op', op });
    if (op.process === 'nemesis') {
      nemesisOpen = op.type === 'invoke';
      if (!nemesisOpen) flushUnplanned();
    }
  };
  // An unplanned event is an invoke + info pair from the nemesis process; it waits for a nemesis op in
  // flight to complete, so the nemesis never has two ops open (the history stays well-formed).
  const flushUnplanned = () => {
    while (!nemesisOpen && unplanned.length > 0) {
      const e = unplanned.shift()!;
      const base = { process: 'nemesis' as const, f: e.f, value: e.value };
      record({ index: 0, time: clock(), type: 'invoke', ...base });
      record({ index: 0, time: clock(), type: 'info', ...base, error: e.error });
    }
  };
  const recordUnplanned = (f: string, value: unknown, error: string) => {
    unplanned.push({ f, value, error });
    flushUnplanned();
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
  let setUp = false;
  let teardownProblems: string[] = [];

  // Nodes that disappeared without our nemesis doing it, and a backend that went away.
  const lost = new Map<string, { phase: Phase; timeNs: number; detail: string }>();
  let engineLost: string | undefined;
  const onClusterEvent = (e: ClusterEvent) => {
    if (e.kind === 'engine-lost') {
      if (engineLost) return;
      engineLost = e.detail;
      recordUnplanned(ENGINE_LOST, null, e.detail);
      const id = parts.cluster?.runId;
      fail(
        `${e.detail}; the history so far is kept${id ? `; once the engine is back, remove what is left with \`faultline clean --run-id ${id}\`` : ''}`,
      );
      return;
    }
    if (lost.has(e.node)) return;
    lost.set(e.node, { phase: phaseNow, timeNs: clock(), detail: e.detail });
    log.error(`node ${e.node} lost during ${phaseNow}: ${e.detail}`);
    emit({ kind: 'log', level: 'error', message: `node ${e.node} lost: ${e.detail}` });
    recordUnplanned(NODE_LOST, { nodes: [e.node] }, `node ${e.node} lost: ${e.detail}`);
  };
  let unwatch: (() => void) | undefined;

  try {
    phase('setup');
    if (system.needsCluster) {
      if (!parts.cluster) throw new Error(`system ${system.name} needs a cluster, but none was configured`);
      const remotes = await parts.cluster.provision({ count: test.nodes.length, names: test.nodes }, stop);
      const names = remotes.map((r) => r.name);
      if (names.join(',') !== test.nodes.join(','))
        throw new Error(`the cluster named its nodes ${names.join(',')}, not ${test.nodes.join(',')}`);
      ctx.remotes = remotes;
      nodes = remotes.map((r) => ({ name: r.name, remote: r }));
      unwatch = parts.cluster.watch?.(onClusterEvent);
    }
    stop.throwIfAborted();
    setUp = true;
    await Promise.all(nodes.map((n) => system.setup(ctx, n)));
    // The version of what is under test, once it runs; unknown never fails the run.
    const sv = await readSystemVersion(system, ctx);
    if (sv.why) log.warn(`system version unknown: ${sv.why}`);
    else log.info(`system version: ${sv.version}`);
    testJson.systemVersion = sv.version;
    writeJson(join(runDir, FILES.test), testJson);
    await nemesis?.nemesis.setup?.(ctx);
    if (nemesis?.schedule) writeJson(join(runDir, FILES.schedule), nemesis.schedule);

    // The client kind the workload talks to (long-fork uses the rw-register client).
    const kind = workload.client ?? workload.name;
    const openClient = kind in system.clients ? system.clients[kind]! : undefined;
    if (!openClient)
      throw new Error(`system ${system.name} has no ${kind} client for workload ${workload.name}`);
    const workers = new Map<Thread, Worker>();
    for (let t = 0; t < test.concurrency; t++) {
      const node = nodes[t % nodes.length]!;
      clientsByThread.set(t, await openClient(ctx, node));
      // Reopening failed earlier: try again; if it still fails the op was never sent.
      const reopenAndInvoke = async (op: Invocation, signal: AbortSignal): Promise<Completion> => {
        let c: Client;
        try {
          c = await openClient(ctx, node);
          clientsByThread.set(t, c);
        } catch (err) {
          return { type: 'fail', error: `client could not connect to ${node.name}: ${errorText(err)}` };
        }
        return c.invoke(op, signal);
      };
      workers.set(t, {
        node: node.name,
        // Not async: the client's own promise goes straight to the interpreter (an async wrapper costs
        // a promise and extra microtask turns per op). The interpreter turns a throw into `info`.
        invoke(op, signal) {
          const c = clientsByThread.get(t);
          return c ? c.invoke(op, signal) : reopenAndInvoke(op, signal);
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
    if (nemesis) {
      workers.set('nemesis', {
        async invoke(op) {
          const c = await nemesis.nemesis.invoke(ctx, op);
          // A fault naming a lost node did not happen there, whatever the nemesis saw.
          const gone = namedNodes([op.value, c.value], [...lost.keys()]);
          if (c.type !== 'ok' || gone.length === 0) return c;
          return {
            ...c,
            type: 'info',
            error: `not in effect on ${gone.join(', ')}: lost earlier in the run`,
            fault: 'not-in-effect',
          };
        },
      });
    }

    let processes: Map<Thread, Process> | undefined;
    const runPhase = async (gen: Generator, opts: { stoppable: boolean }) => {
      const r = await interpret({
        generator: gen,
        concurrency: test.concurrency,
        workers,
        rng,
        clock,
        record,
        firstIndex: history.length,
        opTimeoutMs: test.opTimeout * 1000,
        nemesisTimeoutMs: test.nemesisTimeout * 1000,
        ...(opts.stoppable ? { stop } : {}),
        ...(control.hardStop ? { hardStop: control.hardStop } : {}),
        graceMs: 2000,
        ...(processes ? { processes } : {}),
      });
      processes = r.processes;
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

    // Healing happens even after Ctrl-C or a failure (not with the engine gone: nothing can be reached).
    if (nemesis?.finalGenerator && !engineLost) {
      phase('healing');
      await runPhase(onNemesis(nemesis.finalGenerator), { stoppable: false });
    }
    if (!stop.aborted) {
      phase('recovering');
      await delay(test.recoveryTime * 1000, undefined, { signal: stop }).catch(() => {});
      if (system.awaitRecovery && !stop.aborted) await awaitRecovery(system, ctx, stop);
      if (workload.finalGenerator && !stop.aborted) {
        phase('final');
        await runPhase(clients(workload.finalGenerator), { stoppable: true });
      }
    }
  } catch (err) {
    // After a signal, what the stop cut short (an aborted provision…) is the interrupt, not a failure.
    if (interruptedPhase && failure === undefined) log.warn(`after the interrupt: ${errorText(err)}`);
    else fail(errorText(err), err);
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
      engineLost: () => engineLost,
      beforeDestroy: () => unwatch?.(),
    });
    unwatch?.();
    for (const p of teardownProblems) emit({ kind: 'log', level: 'error', message: `teardown: ${p}` });
    journalOpen = false;
    journal.close();
  }

  // A node lost before the final reads were done: the checkers judged a history missing what that node
  // would have answered, under a fault nobody planned.
  const lostBeforeEnd = [...lost].filter(([, l]) => l.phase !== 'teardown' && l.phase !== 'checking');
  if (lostBeforeEnd.length > 0) {
    const [name, l] = lostBeforeEnd[0]!;
    fail(
      `node ${name} lost during ${l.phase} at ${(l.timeNs / 1e9).toFixed(1)} s (${l.detail})${lostBeforeEnd.length > 1 ? ` and ${lostBeforeEnd.length - 1} more` : ''}; the verdict covers only what was recorded`,
    );
  }

  // A fault that did not take effect (or did not heal, or failed in any way) makes the verdict
  // meaningless: fail loudly. After a signal, ops cut short are expected and the run is 255 already.
  const badNemesis = nemesisFailures(history);
  if (badNemesis.length > 0 && !interruptedPhase) {
    const first = badNemesis[0]!;
    fail(
      `nemesis: ${badNemesis.length} fault op(s) did not complete ok; first: #${first.index} ${first.f} ${first.type}${first.fault ? ` (${first.fault})` : ''}: ${first.error ?? 'no error given'}`,
    );
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
  const error = failure;
  const nodesLost = [...lost].map(([node, l]) => ({
    node,
    phase: l.phase,
    timeNs: l.timeNs,
    detail: l.detail,
  }));
  writeJson(join(runDir, FILES.results), {
    ...results,
    valid,
    ...(error ? { runError: error } : {}),
    ...(interruptedPhase ? { interrupted: true, interruptedPhase } : {}),
    ...(nodesLost.length ? { nodesLost } : {}),
    ...(engineLost ? { engineLost } : {}),
    ...(teardownProblems.length ? { teardownProblems } : {}),
  });
  writeJson(join(runDir, FILES.test), {
    ...testJson,
    endTime: ended.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    opCount: history.length,
    ...(interruptedPhase ? { interrupted: true, interruptedPhase } : {}),
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
  control.stop?.removeEventListener('abort', onInterrupt);
  const exitCode: ExitCode = error || interruptedPhase ? 255 : exitCodeFor(valid);
  emit({ kind: 'verdict', valid, runDir, summary: results.summary ?? '' });
  const out: RunOutcome = { runDir, valid, exitCode, results, history };
  if (interruptedPhase) out.interruptedPhase = interruptedPhase;
  if (error) out.error = interruptedPhase ? `${error} (interrupted during ${interruptedPhase})` : error;
  else if (interruptedPhase) out.error = `run interrupted during ${interruptedPhase}`;
  if (failureStack) out.errorStack = failureStack;
  if (teardownProblems.length) out.teardownProblems = teardownProblems;
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
  /** Set when the cluster backend went away: steps that need it are skipped (they can only time out). */
  engineLost: () => string | undefined;
  /** Called right before the cluster is destroyed (stops watching for lost nodes). */
  beforeDestroy: () => void;
}

/**
 * Heals, closes, collects logs, tears down, destroys. Each step is attempted even if an earlier one
 * failed; the problems are returned so the run can report them (results.json, the terminal).
 */
async function teardown(a: TeardownArgs): Promise<string[]> {
  if (a.engineLost()) {
    await Promise.allSettled([...a.clients.values()].map((c) => c?.close()));
    const id = a.cluster?.runId;
    return [
      `skipped healing, log collection and removal: the cluster backend is gone${id ? ` (clean up later: faultline clean --run-id ${id})` : ''}`,
    ];
  }
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
  a.beforeDestroy();
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

/** The longest the runner waits for System.awaitRecovery before the final phase, ms. */
export const RECOVERY_WAIT_MAX_MS = 60_000;

/**
 * Runs the system's recovery wait, bounded by RECOVERY_WAIT_MAX_MS and the run's stop signal; logs how
 * long it took, and a throw or a timeout as a warning (the final ops then show what was not ready).
 */
async function awaitRecovery(system: System, ctx: RunContext, stop: AbortSignal): Promise<void> {
  const t0 = performance.now();
  const signal = AbortSignal.any([stop, AbortSignal.timeout(RECOVERY_WAIT_MAX_MS)]);
  // A hook that ignores its signal must not hold the run either.
  const bound = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new Error(`not recovered after ${RECOVERY_WAIT_MAX_MS} ms`));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  bound.catch(() => {});
  try {
    await Promise.race([system.awaitRecovery?.(ctx, signal), bound]);
    ctx.log.info(`${system.name}: ready for the final phase after ${Math.round(performance.now() - t0)} ms`);
  } catch (err) {
    ctx.log.warn(
      `${system.name}: waiting for recovery failed: ${errorText(err)}; running the final phase anyway`,
    );
  }
}

function anySignal(signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
