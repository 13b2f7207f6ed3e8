/**
 * Building, restricting and reading generator contexts, and filling op templates in from one. The runner
 * and the simulator build contexts with `makeContext`; combinators hand children `restrictContext` views.
 */
import type { Process } from '../core/op.ts';
import type { Rng } from './rng.ts';
import type { Context, Invocation, OpTemplate, Thread } from './types.ts';

/**
 * The context of a whole run. `processes` maps each thread to its current process. `threadOf` also
 * answers for retired processes (process mod concurrency), so an `info` completion still finds its thread
 * whether the interpreter bumps the process before or after telling the generator.
 */
export function makeContext(
  time: number,
  threads: readonly Thread[],
  free: ReadonlySet<Thread>,
  processes: ReadonlyMap<Thread, Process>,
  rng: Rng,
): Context {
  const concurrency = threads.filter((t) => t !== 'nemesis').length;
  const byProcess = new Map<Process, Thread>();
  for (const [t, p] of processes) byProcess.set(p, t);
  return {
    time,
    threads,
    free,
    rng,
    processOf: (t) => processes.get(t) ?? t,
    threadOf: (p) =>
      byProcess.get(p) ?? (p === 'nemesis' ? 'nemesis' : concurrency > 0 ? p % concurrency : p),
  };
}

/** The same context seen by a child that may only use `threads` (kept in the parent's order). */
export function restrictContext(ctx: Context, keep: (t: Thread) => boolean): Context {
  const threads = ctx.threads.filter(keep);
  const free = new Set<Thread>();
  for (const t of threads) if (ctx.free.has(t)) free.add(t);
  return { time: ctx.time, threads, free, rng: ctx.rng, processOf: ctx.processOf, threadOf: ctx.threadOf };
}

/** A view restricted to an explicit list of threads. */
export function contextOn(ctx: Context, threads: readonly Thread[]): Context {
  const set = new Set(threads);
  return restrictContext(ctx, (t) => set.has(t));
}

/** The free threads of a context, in thread order. */
export function freeThreads(ctx: Context): Thread[] {
  return ctx.threads.filter((t) => ctx.free.has(t));
}

/** True when no thread of the context has an op outstanding. */
export function allFree(ctx: Context): boolean {
  return ctx.threads.every((t) => ctx.free.has(t));
}

/**
 * Turns a template into an invocation: the process of a free thread picked by ctx.rng (or the template's own
 * process, if its thread is free and in this context) and time = ctx.time unless the template has one.
 * 'pending' when no suitable thread is free. An absent value becomes null (JSON keeps it).
 */
export function fillIn(template: OpTemplate, ctx: Context): Invocation | 'pending' {
  let process: Process;
  if (template.process !== undefined) {
    const t = ctx.threadOf(template.process);
    if (!ctx.free.has(t) || !ctx.threads.includes(t) || ctx.processOf(t) !== template.process)
      return 'pending';
    process = template.process;
  } else {
    // A random free thread, not the first: with fast ops the first is nearly always free, and every op
    // would go through one client (one node) while the others idle.
    const free = freeThreads(ctx);
    if (free.length === 0) return 'pending';
    const t = free.length === 1 ? (free[0] as Thread) : (free[ctx.rng.int(free.length)] as Thread);
    process = ctx.processOf(t);
  }
  return {
    ...template,
    type: 'invoke',
    process,
    time: template.time ?? ctx.time,
    f: template.f,
    value: 'value' in template ? template.value : null,
  };
}
