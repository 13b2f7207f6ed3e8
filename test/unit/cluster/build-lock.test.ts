/**
 * The image build lock (src/cluster/docker/build-lock.ts): one holder at a time across processes, waiters
 * get in after release, a lock left by a dead process is taken over. Real processes and a real folder.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildLockPath, withBuildLock } from '../../../src/cluster/docker/build-lock.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'fl-lock-'));
  dirs.push(d);
  return d;
}

describe('image build lock', () => {
  it('serialises holders in one process: the second runs only after the first released', async () => {
    const dir = tmp();
    const events: string[] = [];
    let waited = false;
    const a = withBuildLock(
      'img:a',
      async () => {
        events.push('a-in');
        await new Promise((r) => setTimeout(r, 300));
        events.push('a-out');
      },
      { dir, pollMs: 20 },
    );
    const b = withBuildLock('img:a', async () => events.push('b-in'), {
      dir,
      pollMs: 20,
      onWait: () => {
        waited = true;
      },
    });
    await Promise.all([a, b]);
    expect(events).toEqual(['a-in', 'a-out', 'b-in']);
    expect(waited).toBe(true);
    expect(existsSync(buildLockPath('img:a', dir))).toBe(false);
  });

  it('waits for a live holder in another process and takes over a lock whose owner is dead', async () => {
    const dir = tmp();
    const path = buildLockPath('img:b', dir);
    // A live holder: a child process whose pid is in the lock.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    mkdirSync(path);
    writeFileSync(join(path, 'pid'), String(child.pid));
    let entered = false;
    const p = withBuildLock(
      'img:b',
      async () => {
        entered = true;
      },
      { dir, pollMs: 20 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(entered).toBe(false);
    child.kill('SIGKILL');
    await p;
    expect(entered).toBe(true);
  });

  it('releases the lock when the build throws, and a waiter can be aborted', async () => {
    const dir = tmp();
    await expect(
      withBuildLock('img:c', async () => Promise.reject(new Error('apt failed')), { dir }),
    ).rejects.toThrow('apt failed');
    expect(existsSync(buildLockPath('img:c', dir))).toBe(false);
    mkdirSync(buildLockPath('img:c', dir));
    writeFileSync(join(buildLockPath('img:c', dir), 'pid'), String(process.pid));
    const ac = new AbortController();
    const w = withBuildLock('img:c', async () => 1, { dir, pollMs: 20, signal: ac.signal });
    ac.abort(new Error('run stopped'));
    await expect(w).rejects.toThrow('run stopped');
  });
});
