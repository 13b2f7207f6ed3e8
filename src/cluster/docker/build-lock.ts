/**
 * A host-wide lock around building one node image, so that two faultline processes needing the same image
 * at once (a CI pre-build and a test, two runs started together) build it once: the second waits for the
 * first and then finds the image cached. The lock is a directory (mkdir is atomic) under the OS temp folder
 * holding the owner's pid; a lock whose owner is gone is stale and taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The lock directory for `key` (an image tag; characters outside [A-Za-z0-9._-] become `_`). */
export function buildLockPath(key: string, dir = tmpdir()): string {
  return join(dir, `faultline-build-${key.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryTake(path: string): boolean {
  try {
    mkdirSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = Number.parseInt(readOwner(path), 10);
    // Stale: the owner died without releasing (or is still writing its pid: then wait).
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      rmSync(path, { recursive: true, force: true });
      return tryTake(path);
    }
    return false;
  }
  writeFileSync(join(path, 'pid'), String(process.pid));
  return true;
}

function readOwner(path: string): string {
  try {
    return readFileSync(join(path, 'pid'), 'utf8');
  } catch {
    return '';
  }
}

/**
 * Runs `fn` holding the lock for `key`; waits (polling every `pollMs`, default 1000 ms) while another live
 * process holds it. `onWait` is called once when it has to wait. Throws the signal's reason when aborted
 * while waiting, and whatever `fn` throws (the lock is released either way).
 */
export async function withBuildLock<T>(
  key: string,
  fn: () => Promise<T>,
  o: { signal?: AbortSignal; pollMs?: number; onWait?: () => void; dir?: string } = {},
): Promise<T> {
  const path = buildLockPath(key, o.dir);
  let told = false;
  while (!tryTake(path)) {
    if (!told) o.onWait?.();
    told = true;
    o.signal?.throwIfAborted();
    try {
      await sleep(o.pollMs ?? 1000, undefined, o.signal ? { signal: o.signal } : {});
    } catch (err) {
      // The timer's AbortError says nothing: surface the signal's own reason.
      o.signal?.throwIfAborted();
      throw err;
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}
