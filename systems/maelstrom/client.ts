/**
 * faultline's side of the Maelstrom protocol: one TCP connection per client to its node's shim
 * (node/shim.mjs), newline-delimited Maelstrom messages `{src: <client id>, dest: <node>, body}`. The reply
 * is the message whose `in_reply_to` is the request's `msg_id`. A connection that cannot be made means the
 * request was never sent (`fail`); a timeout or a lost connection after sending is `info` for writes and
 * `fail` for reads (protocol.ts).
 */
import net from 'node:net';
import type { Invocation } from '../../src/core/generator.ts';
import type { Client, ClientFactory, Completion } from '../../src/core/index.ts';
import { describeError } from '../../src/util/net-errors.ts';
import { lineSplitter, parseMessage } from './node/route.mjs';
import { type Body, completionFor, type MaelstromWorkload, requestBody, unanswered } from './protocol.ts';

/** Client ids must be unique across a run: c1, c2, … (c0 is the shim's init). */
let nextClient = 1;

type Waiter = (body: Body | Error) => void;

/** One connection to a shim; reconnects on the next op after it was lost. */
class Connection {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private readonly waiters = new Map<number, Waiter>();

  private readonly ip: string;
  private readonly port: number;

  constructor(ip: string, port: number) {
    this.ip = ip;
    this.port = port;
  }

  /** The open socket, connecting first if needed; rejects when the connection cannot be made. */
  open(signal: AbortSignal): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: this.ip, port: this.port });
      s.setNoDelay(true);
      s.setEncoding('utf8');
      const onAbort = () => s.destroy(new Error('timed out connecting'));
      signal.addEventListener('abort', onAbort, { once: true });
      s.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        this.socket = s;
        resolve(s);
      });
      s.once('error', reject);
      const split = lineSplitter();
      s.on('data', (chunk: string) => {
        for (const line of split(chunk)) {
          const { msg } = parseMessage(line);
          const id = msg?.body?.in_reply_to;
          if (!msg || typeof id !== 'number') continue;
          this.waiters.get(id)?.(msg.body as Body);
        }
      });
      s.on('close', () => {
        if (this.socket === s) this.socket = undefined;
        for (const w of this.waiters.values()) w(new Error('connection lost'));
      });
      s.on('error', () => {});
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Sends `msg` and waits for the reply to `msgId`; rejects when the connection is lost. */
  async call(msg: object, msgId: number, signal: AbortSignal, onSent: () => void): Promise<Body> {
    const socket = await this.open(signal);
    return new Promise<Body>((resolve, reject) => {
      const done = (r: Body | Error) => {
        this.waiters.delete(msgId);
        signal.removeEventListener('abort', onAbort);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      const onAbort = () => done(new Error('timed out'));
      if (signal.aborted) return done(new Error('timed out'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.set(msgId, done);
      socket.write(`${JSON.stringify(msg)}\n`);
      onSent();
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}

/** A Maelstrom client for `workload` bound to one node, whose shim listens on `port`. */
export function maelstromClient(workload: MaelstromWorkload, port: number): ClientFactory {
  return async (_test, node) => {
    const ip = node.remote?.ip;
    if (!ip) throw new Error(`maelstrom systems need a cluster: node ${node.name} has no remote`);
    const id = `c${nextClient++}`;
    const conn = new Connection(ip, port);
    let msgId = 0;
    const client: Client = {
      async invoke(op: Invocation, signal: AbortSignal): Promise<Completion> {
        const body = { ...requestBody(workload, op), msg_id: ++msgId };
        let sent = false;
        try {
          const reply = await conn.call({ src: id, dest: node.name, body }, body.msg_id, signal, () => {
            sent = true;
          });
          return completionFor(workload, op, reply);
        } catch (err) {
          return unanswered(op.f, signal.aborted ? 'timed out' : describeError(err), sent);
        }
      },
      async close() {
        conn.close();
      },
    };
    return client;
  };
}
