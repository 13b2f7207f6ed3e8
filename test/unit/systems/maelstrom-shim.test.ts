/**
 * The Maelstrom shim (systems/maelstrom/node/shim.mjs) with faultline's client (systems/maelstrom/client.ts)
 * and the example nodes, for real, on this machine: three shims on loopback addresses 127.0.0.x share one
 * port, as they share it on the nodes' IPs in a cluster. Requests travel client → shim → node binary →
 * shim → peer shim → … and back, so the routing is exercised end to end (Docker runs: test/integration/maelstrom).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Client, Completion } from '../../../src/core/index.ts';
import { describeEarlyExit } from '../../../systems/declarative/exit.ts';
import { maelstromClient } from '../../../systems/maelstrom/client.ts';

const shim = new URL('../../../systems/maelstrom/node/shim.mjs', import.meta.url).pathname;
const example = (f: string) => new URL(`../../../examples/maelstrom/${f}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'fl-shim-'));
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const port = 20_000 + Math.floor(Math.random() * 20_000);

/** Starts one shim per node running `argv(node)`; resolves once each listens. */
async function cluster(prefix: string, argv: (node: string) => string[]) {
  const nodes = [1, 2, 3].map((i) => ({ name: `n${i}`, ip: `${prefix}.${i}` }));
  await Promise.all(
    nodes.map((n) => {
      const config = join(dir, `${prefix}-${n.name}.json`);
      writeFileSync(config, JSON.stringify({ node: n.name, nodes, port, argv: argv(n.name), cwd: dir }));
      const p = spawn(process.execPath, [shim, config], { stdio: ['ignore', 'ignore', 'pipe'] });
      procs.push(p);
      let log = '';
      return new Promise<void>((resolve, reject) => {
        p.stderr?.on('data', (d: Buffer) => {
          log += d.toString();
          if (log.includes('listening on')) resolve();
        });
        p.on('close', (code) => reject(new Error(`shim ${n.name} exited ${code}: ${log}`)));
      });
    }),
  );
  return nodes;
}

type Node = { name: string; ip: string };
const open = (w: 'register' | 'set' | 'list-append', n: Node): Promise<Client> =>
  maelstromClient(w, port)({} as never, { name: n.name, remote: { name: n.name, ip: n.ip } as never });
const op = (f: string, value: unknown) => ({ type: 'invoke' as const, process: 0, time: 0, f, value });
const call = (c: Client, f: string, value: unknown): Promise<Completion> =>
  c.invoke(op(f, value), AbortSignal.timeout(10_000));

describe('Maelstrom shim on loopback', () => {
  it('leader-kv (JavaScript): requests to any node are forwarded to the leader and answered', async () => {
    const dataDir = (n: string) => mkdtempSync(join(dir, `leader-${n}-`));
    const nodes = await cluster('127.0.7', (n) => [process.execPath, example('leader-kv.mjs'), dataDir(n)]);
    const [c1, c2, c3] = await Promise.all(nodes.map((n) => open('register', n)));
    expect(await call(c2!, 'read', [1, null])).toEqual({
      type: 'fail',
      error: 'key-does-not-exist: key does not exist',
    });
    expect(await call(c2!, 'write', [1, 3])).toEqual({ type: 'ok' });
    expect(await call(c3!, 'read', [1, null])).toEqual({ type: 'ok', value: [1, 3] });
    expect((await call(c1!, 'cas', [1, [2, 4]])).type).toBe('fail');
    expect(await call(c3!, 'cas', [1, [3, 4]])).toEqual({ type: 'ok' });
    // Two clients on one node at once: each gets its own answer.
    const other = await open('register', nodes[2]!);
    const [a, b] = await Promise.all([call(c3!, 'read', [1, null]), call(other, 'write', [2, 9])]);
    expect(a).toEqual({ type: 'ok', value: [1, 4] });
    expect(b).toEqual({ type: 'ok' });
    const s = await open('set', nodes[1]!);
    for (const x of [5, 2, 7]) expect(await call(s, 'add', x)).toEqual({ type: 'ok' });
    expect(await call(s, 'read', null)).toEqual({ type: 'ok', value: [2, 5, 7] });
    const t = await open('list-append', nodes[2]!);
    const txn = (value: unknown) => t.invoke(op('txn', value), AbortSignal.timeout(10_000));
    expect(await txn([['append', 'x', 1]])).toEqual({ type: 'ok', value: [['append', 'x', 1]] });
    expect(
      await txn([
        ['append', 'x', 2],
        ['r', 'x', null],
      ]),
    ).toEqual({
      type: 'ok',
      value: [
        ['append', 'x', 2],
        ['r', 'x', [1, 2]],
      ],
    });
    for (const c of [c1, c2, c3, other, s, t]) await c?.close();
  }, 60_000);

  it('local-kv (Python): writes reach the other nodes through their shims', async () => {
    const nodes = await cluster('127.0.8', () => ['python3', example('local-kv.py')]);
    const [c1, , c3] = await Promise.all(nodes.map((n) => open('register', n)));
    expect(await call(c1!, 'write', [5, 1])).toEqual({ type: 'ok' });
    let seen: Completion | undefined;
    for (let i = 0; i < 100 && seen?.type !== 'ok'; i++) {
      seen = await call(c3!, 'read', [5, null]);
      if (seen.type !== 'ok') await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toEqual({ type: 'ok', value: [5, 1] });
    for (const c of [c1, c3]) await c?.close();
  }, 60_000);

  it('an unreachable node: the write was never sent, so it certainly failed', async () => {
    const c = await open('register', { name: 'n9', ip: '127.0.0.99' });
    const r = await call(c, 'write', [1, 1]);
    expect(r.type).toBe('fail');
    expect(r.error).toMatch(/ECONNREFUSED/);
    await c.close();
  });

  it('a node program that exits at start: the shim exits with its code, and the log says why', async () => {
    const config = join(dir, 'boom.json');
    const nodes = [{ name: 'n1', ip: '127.0.9.1' }];
    const argv = ['/bin/sh', '-c', 'echo starting; echo boom >&2; exit 3'];
    writeFileSync(config, JSON.stringify({ node: 'n1', nodes, port, argv, cwd: dir }));
    // The shim's stderr is what the daemon's log holds on a node (the program's stderr is inherited).
    const p = spawn(process.execPath, [shim, config], { stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(p);
    let log = '';
    p.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
    expect(code).toBe(3);
    expect(log).toMatch(/shim n1: node program exited \(code 3\)/);
    expect(describeEarlyExit(log, true)).toBe('the node program exited with code 3: boom');
  });
});

describe('describeEarlyExit', () => {
  it('names the exit code (Maelstrom) and the last line the program wrote', () => {
    const shimLog = [
      '2026-11-30T12:00:00.000Z shim n1: started /bin/x; sent init',
      'Traceback (most recent call last):',
      'ValueError: bad config',
      '2026-11-30T12:00:00.100Z shim n1: node program exited (signal SIGSEGV)',
      '',
    ].join('\n');
    expect(describeEarlyExit(shimLog, true)).toBe(
      'the node program exited with signal SIGSEGV: ValueError: bad config',
    );
    // The shim itself failed (no exit line of the program): its own last line.
    expect(describeEarlyExit('2026-11-30T12:00:00.000Z shim n1: cannot run /bin/x: ENOENT\n', true)).toBe(
      'the Maelstrom shim exited: cannot run /bin/x: ENOENT',
    );
    expect(describeEarlyExit('listening\nfatal: port in use\n', false)).toBe(
      'the program exited: fatal: port in use',
    );
    expect(describeEarlyExit('', false)).toBe('the program exited (nothing in its log)');
  });
});
