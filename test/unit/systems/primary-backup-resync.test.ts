/**
 * primary-backup (systems/reference/nodes/primary-backup.mjs): a backup's resync snapshot never rolls back
 * a write the backup acknowledged. The real node program runs as the backup (n2) on loopback; the test
 * plays its primary (n1) so it can hold the snapshot answers back and deliver them in the worst order —
 * what a loaded machine did by accident: a snapshot taken before a write, delivered after the backup
 * acknowledged that write (and after any newer snapshot). Before the fix the backup asked for a snapshot
 * on every heartbeat, accepted each answer, and so lost the write (a run lost an acknowledged add).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const program = new URL('../../../systems/reference/nodes/primary-backup.mjs', import.meta.url).pathname;
const PRIMARY_IP = '127.0.0.61';
const BACKUP_IP = '127.0.0.62';
const ABSENT_IP = '127.0.0.63'; // n3: nothing listens there (refused)

interface Pending {
  snapshot: { epoch: number; primary: string; seq: number; regs: unknown[]; set: number[] };
  answer: (body: unknown) => void;
}

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

async function post(ip: string, port: number, path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`http://${ip}:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return (await r.json()) as Record<string, unknown>;
}

/** Polls `f` every 50 ms until it returns true; fails after 30 s (a generous bound, not a timing claim). */
async function until(what: string, f: () => boolean | Promise<boolean>): Promise<void> {
  const end = performance.now() + 30_000;
  while (!(await f())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('primary-backup resync', () => {
  it('a snapshot taken before an acknowledged write, delivered late, does not erase it', async () => {
    // The scripted primary: epoch 1, its state, and every /state request held until the test answers.
    const primarySet = [1, 2, 3];
    let primarySeq = 3;
    const pending: Pending[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const reply = (body: unknown) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.url === '/state') {
          // Taken now, answered later: the snapshot of this moment.
          const snapshot = { epoch: 1, primary: 'n1', seq: primarySeq, regs: [], set: [...primarySet] };
          pending.push({ snapshot, answer: reply });
        } else if (req.url === '/hb') reply({ epoch: 1, primary: 'n1' });
        else reply({ ok: true });
      });
    });
    await new Promise<void>((r) => server.listen(0, PRIMARY_IP, r));
    cleanups.push(() => server.close());
    const port = (server.address() as AddressInfo).port;

    const dir = mkdtempSync(join(tmpdir(), 'fl-pb-resync-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'n2.json');
    writeFileSync(
      config,
      JSON.stringify({
        id: 'n2',
        host: BACKUP_IP,
        port,
        mode: 'sync',
        options: {},
        nodes: [
          { name: 'n1', ip: PRIMARY_IP },
          { name: 'n2', ip: BACKUP_IP },
          { name: 'n3', ip: ABSENT_IP },
        ],
      }),
    );
    const child = spawn(process.execPath, [program, config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => {
      log += d;
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    cleanups.push(() => child.kill('SIGKILL'));
    await until('the backup to listen', () => log.includes('listening'));

    // The backup hears epoch 1 (a heartbeat reply) and asks for a snapshot.
    await until('a first /state request', () => pending.length > 0);
    // The primary then applies add 13 and replicates it; the backup acknowledges it.
    primarySet.push(13);
    primarySeq = 4;
    const op = { kind: 'add', x: 13, seq: 4, stamp: [1, '000000000004'] };
    expect(await post(BACKUP_IP, port, '/replicate', { from: 'n1', epoch: 1, ops: [op] })).toEqual({
      ok: true,
    });
    // Let heartbeats pass: a backup that asks again now gets snapshots holding 13.
    await new Promise((r) => setTimeout(r, 500));
    // Newest answers first; the oldest snapshot (taken before 13) last.
    const held = pending.splice(0);
    expect(held.length).toBeGreaterThan(0);
    for (const p of held.reverse()) {
      p.answer(p.snapshot);
      await new Promise((r) => setTimeout(r, 100));
    }
    await until('the backup to be synced', async () => {
      const s = await post(BACKUP_IP, port, '/status', {});
      return s.synced === true;
    });
    // Any further requests (there should be none once synced) get the current state.
    for (const p of pending.splice(0)) p.answer({ ...p.snapshot, seq: primarySeq, set: [...primarySet] });
    await new Promise((r) => setTimeout(r, 300));
    const backup = await post(BACKUP_IP, port, '/state', { from: 'test', epoch: -1 });
    expect(backup.set, `backup log:\n${log}`).toContain(13);
    expect([...(backup.set as number[])].sort((a, b) => a - b)).toEqual([1, 2, 3, 13]);
  }, 60_000);
});
