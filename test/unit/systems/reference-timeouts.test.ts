/**
 * The reference nodes' shared library (systems/reference/nodes/lib.mjs): timeouts that stretch with the
 * measured round trips of answered peer calls (and only those), within [configured, 4 × configured];
 * and handlers that learn when their caller hung up. Against real local HTTP servers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';

interface Lib {
  rpc(ip: string, port: number, path: string, body: unknown, timeoutMs: number): Promise<unknown>;
  stretch(floorMs: number, scaleMax?: number): number;
  rttP95(): number;
  serve(
    port: number,
    routes: Record<string, (body: unknown, ctx: { signal: AbortSignal }) => Promise<unknown>>,
    host?: string,
  ): http.Server;
}
const libUrl = new URL('../../../systems/reference/nodes/lib.mjs', import.meta.url).href;
const lib = (await import(libUrl)) as Lib;

/** A server answering every request after `delayMs`. */
async function slowServer(delayMs: number): Promise<{ port: number; close: () => void }> {
  const s = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end('{}'), delayMs);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, close: () => s.close() };
}

const servers: { close: () => void }[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

describe('reference node timeouts', () => {
  it('refused calls give no sample; a timed-out call counts as a round trip of its timeout', async () => {
    const closed = await slowServer(0);
    closed.close(); // its port now refuses
    // A long timeout: on a loaded machine a 50 ms one can fire before the refusal is seen, and a
    // timed-out call is a sample by design (the next assertions).
    for (let i = 0; i < 5; i++)
      await expect(lib.rpc('127.0.0.1', closed.port, '/x', {}, 10_000)).rejects.toThrow(/fetch failed/);
    expect(lib.rttP95()).toBe(0);
    const s = lib.stretch(250);
    // Only this process's own event-loop delay can stretch it, and never past 4×.
    expect(s).toBeGreaterThanOrEqual(250);
    expect(s).toBeLessThanOrEqual(1000);
    const silent = await slowServer(60_000);
    servers.push(silent);
    await expect(lib.rpc('127.0.0.1', silent.port, '/x', {}, 50)).rejects.toThrow(/timeout/i);
    expect(lib.rttP95()).toBeGreaterThanOrEqual(50);
  });

  it('answered slow calls stretch every timeout to 4 × their p95, capped at 4 × the configured value', async () => {
    const slow = await slowServer(150);
    servers.push(slow);
    for (let i = 0; i < 20; i++) await lib.rpc('127.0.0.1', slow.port, '/x', {}, 5000);
    expect(lib.rttP95()).toBeGreaterThanOrEqual(150);
    expect(lib.stretch(250)).toBeGreaterThanOrEqual(600);
    expect(lib.stretch(250)).toBeLessThanOrEqual(1000);
    expect(lib.stretch(100)).toBe(400); // 4 × 150 ms or more: the cap
    expect(lib.stretch(100, 2)).toBe(200); // a smaller cap for this call
    expect(lib.stretch(100, 100)).toBeGreaterThanOrEqual(600); // a larger one
  });
});

describe('reference node handlers', () => {
  it('a handler sees its caller hang up', async () => {
    let resolveSeen: (v: boolean) => void = () => {};
    const seen = new Promise<boolean>((r) => {
      resolveSeen = r;
    });
    const server = lib.serve(
      0,
      {
        '/wait': async (_b, { signal }) => {
          await new Promise((r) => signal.addEventListener('abort', r));
          resolveSeen(signal.aborted);
          return {};
        },
      },
      '127.0.0.1',
    );
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    await expect(
      fetch(`http://127.0.0.1:${port}/wait`, { method: 'POST', signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect(await seen).toBe(true);
  });
});
