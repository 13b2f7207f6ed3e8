/**
 * Who owns a run's containers and networks: the process that provisioned them, recorded in labels
 * (labels.ts) as its pid, its host name and its start time. `faultline clean` removes a run only when that
 * process is gone, so it never pulls the nodes from under a run in progress.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface Owner {
  pid: number;
  /** os.hostname() of the owner's machine. */
  host: string;
  /** Start time of the process in clock ticks since boot (Linux /proc/<pid>/stat field 22), when known. */
  start?: string;
}

/**
 * What is known of a run's owner from here:
 * - `alive`: the pid runs on this host (and, when recorded, with the same start time);
 * - `gone`: same host, and no such process (or the pid now belongs to a process started later);
 * - `other-host`: recorded on another machine sharing this engine; its liveness cannot be checked here;
 * - `unknown`: no owner labels (made by a faultline older than these labels).
 */
export type OwnerState = 'alive' | 'gone' | 'other-host' | 'unknown';

/** Start time of `pid` in clock ticks since boot (Linux), or undefined when /proc cannot tell. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = rest[19]; // field 22; `rest` starts at field 3
    return start && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** This process as an owner. */
export function currentOwner(): Owner {
  const start = processStart(process.pid);
  return { pid: process.pid, host: hostname(), ...(start !== undefined ? { start } : {}) };
}

/** True when a process with this pid exists here (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `owner` still runs, seen from this host (`here`, default os.hostname()). */
export function ownerState(owner: Owner | undefined, here: string = hostname()): OwnerState {
  if (!owner) return 'unknown';
  if (owner.host !== here) return 'other-host';
  if (!pidAlive(owner.pid)) return 'gone';
  if (owner.start !== undefined) {
    const now = processStart(owner.pid);
    if (now !== undefined && now !== owner.start) return 'gone'; // the pid was reused
  }
  return 'alive';
}
