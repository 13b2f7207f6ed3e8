/**
 * NATS JetStream clients (the `nats` npm client, v2) for the queue and set workloads. Each client connects
 * to its own node's server only (reconnecting to it forever), so a client on a cut-off node sees what that
 * server can do, as an application colocated with it would.
 *
 * queue: stream `queue` (work-queue retention, R3) and one durable pull consumer `workers` (explicit acks,
 * unlimited redeliveries after the ack wait).
 * - enqueue v: a JetStream publish awaiting its PubAck → ok. `fail` only when nothing can have stored it:
 *   no responders (no stream server had interest) or an error reply from the stream. A timeout or a lost
 *   connection is `info`; the message is never published again (the client may still flush a publish
 *   buffered while disconnected: an `info` op may take effect later). `--opt natsMsgId=true` adds a
 *   Nats-Msg-Id header (the element) so the stream's duplicate window drops a repeat; nothing repeats here.
 * - dequeue: pull one message (no_wait) and ack it with a confirmed ack (ackAck, tried twice). ok with the
 *   element once the server confirmed the ack; `fail` (error 'empty') on 404 no messages; `fail` when no
 *   message arrived or the pull erred (nothing was acked, so nothing was removed: a message sent but not
 *   received comes back after the ack wait). When the ack stays unconfirmed the element was still received:
 *   by default (`--opt natsUnconfirmedAck=ok`) the dequeue is `ok` with the element and error
 *   'ack unconfirmed…' — if the ack was lost the element is delivered again, which total-queue reports as a
 *   duplicate (at-least-once delivery: run with `--opt queueDelivery=at-least-once`); `info` instead would
 *   make an ack that did land look like a lost element, since total-queue ignores info dequeues.
 * - drain: dequeue until the queue reports empty and the stream holds no message (unacked deliveries come
 *   back after the ack wait), or a budget runs out.
 * set: stream `set` (limits retention, R3). add v = publish with PubAck (as enqueue); read = every message
 * of the stream through an ordered consumer created from this node's connection.
 */
import {
  AckPolicy,
  connect,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type NatsError,
  nanos,
  RetentionPolicy,
  StorageType,
  StringCodec,
} from 'nats';
import { errorText } from '../../src/core/errors.ts';
import type { Invocation } from '../../src/core/generator.ts';
import type { Client, ClientFactory, Completion, RunContext } from '../../src/core/index.ts';
import { OpTimedOut, raceSignal } from '../../src/util/race-signal.ts';

export const QUEUE_STREAM = 'queue';
export const QUEUE_CONSUMER = 'workers';
export const SET_STREAM = 'set';
const CLIENT_PORT = 4222;
/** How long a JetStream request (publish, pull, ack) waits for its reply, ms. */
const JS_TIMEOUT_MS = 2000;
const sc = StringCodec();

/** The consumer's ack wait, ms (`--opt natsAckWaitMs`, default 2000: redeliveries come back inside a drain). */
export const ackWaitMs = (options: Record<string, unknown>): number => Number(options.natsAckWaitMs ?? 2000);

/**
 * Creates the R3 streams and the queue's durable consumer through any of `ips` (idempotent:
 * an identical existing stream is accepted). Throws while there is no JetStream meta leader.
 */
export async function createStreams(ips: string[], ackWait: number): Promise<void> {
  const nc = await connect({
    servers: ips.map((ip) => `${ip}:${CLIENT_PORT}`),
    timeout: 2000,
    reconnect: false,
  });
  try {
    const jsm = await nc.jetstreamManager({ timeout: 5000 });
    const num_replicas = 3;
    await jsm.streams.add({
      name: QUEUE_STREAM,
      subjects: [QUEUE_STREAM],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas,
    });
    await jsm.consumers.add(QUEUE_STREAM, {
      durable_name: QUEUE_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ackWait),
      max_deliver: -1,
    });
    await jsm.streams.add({
      name: SET_STREAM,
      subjects: [SET_STREAM],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas,
    });
  } finally {
    await nc.close();
  }
}

/**
 * Whether JetStream answers for the streams and the queue's consumer through the server at `ip`: stream
 * info of `queue` and `set` and consumer info of `workers` (each needs its raft group's leader). Resolves
 * to undefined when all answered, else to why not (an unreachable server, a request timeout).
 */
export async function jetStreamAnswers(ip: string): Promise<string | undefined> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: `${ip}:${CLIENT_PORT}`, timeout: 2000, reconnect: false });
    const jsm = await nc.jetstreamManager({ timeout: 2000, checkAPI: false });
    await jsm.streams.info(QUEUE_STREAM);
    await jsm.streams.info(SET_STREAM);
    await jsm.consumers.info(QUEUE_STREAM, QUEUE_CONSUMER);
    return undefined;
  } catch (err) {
    return errorText(err);
  } finally {
    await nc?.close().catch(() => {});
  }
}

const codeOf = (err: unknown): string | undefined => (err as Partial<NatsError>)?.code;
const hasApiError = (err: unknown): boolean => (err as Partial<NatsError>)?.api_error !== undefined;

/**
 * A publish's outcome from its error: `fail` for no responders (no stream took the message) and for a
 * JetStream error reply (the stream refused it); anything else (timeout, disconnect) is `info`.
 */
export function publishError(err: unknown): Completion {
  const error = errorText(err);
  if (codeOf(err) === '503' || hasApiError(err)) return { type: 'fail', error };
  return { type: 'info', error };
}

interface Conn {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: () => Promise<JetStreamManager>;
}

async function open(nodeIp: string): Promise<Conn> {
  const nc = await connect({
    servers: `${nodeIp}:${CLIENT_PORT}`,
    timeout: 2000,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 200,
    pingInterval: 2000,
    maxPingOut: 2,
  });
  let jsm: Promise<JetStreamManager> | undefined;
  return {
    nc,
    js: nc.jetstream({ timeout: JS_TIMEOUT_MS }),
    // Created on first use: it checks the account's JetStream, which needs the server up.
    jsm: () => {
      jsm ??= nc.jetstreamManager({ timeout: JS_TIMEOUT_MS, checkAPI: false }).catch((err: unknown) => {
        jsm = undefined;
        throw err;
      });
      return jsm;
    },
  };
}

type Handler = (c: Conn, op: Invocation, signal: AbortSignal) => Promise<Completion>;

/**
 * A client whose connection is made on first use and made again after a failed first connect: opening
 * never blocks (a node that is down or cut off would hold the run's worker forever), and an op that finds
 * no connection fails — nothing was sent.
 */
function factory(handle: Handler): ClientFactory {
  return async (_test, node) => {
    const ip = node.remote?.ip;
    if (!ip) throw new Error(`nats: node ${node.name} has no remote`);
    let conn: Promise<Conn> | undefined;
    const connection = () => {
      conn ??= open(ip).catch((err: unknown) => {
        conn = undefined;
        throw err;
      });
      return conn;
    };
    void connection().catch(() => {});
    const client: Client = {
      async invoke(op, signal) {
        let c: Conn;
        try {
          c = await raceSignal(connection(), signal);
        } catch (err) {
          return { type: 'fail', error: `not connected: ${errorText(err)}` };
        }
        return handle(c, op, signal);
      },
      async close() {
        const c = await conn?.catch(() => undefined);
        // close() flushes; a server that is down or paused must not hold the run.
        if (c) await Promise.race([c.nc.close().catch(() => {}), sleepMs(2000)]);
      },
    };
    return client;
  };
}

async function publish(
  c: Conn,
  test: RunContext,
  subject: string,
  value: unknown,
  signal: AbortSignal,
): Promise<Completion> {
  const msgID = String(test.options.natsMsgId) === 'true' ? String(value) : undefined;
  try {
    await raceSignal(
      c.js.publish(subject, sc.encode(JSON.stringify(value)), {
        timeout: JS_TIMEOUT_MS,
        ...(msgID ? { msgID } : {}),
      }),
      signal,
    );
    return { type: 'ok' };
  } catch (err) {
    return publishError(err);
  }
}

/** One pull-and-ack: the element, or why there was none. */
type Taken =
  | { kind: 'ok'; value: unknown }
  | { kind: 'empty' | 'none' | 'unacked'; value?: unknown; error: string };

async function takeOne(c: Conn, signal: AbortSignal): Promise<Taken> {
  let msg: Awaited<ReturnType<JetStreamClient['pull']>>;
  try {
    msg = await raceSignal(c.js.pull(QUEUE_STREAM, QUEUE_CONSUMER), signal);
  } catch (err) {
    const code = codeOf(err);
    if (code === '404') return { kind: 'empty', error: 'empty' };
    return { kind: 'none', error: `pull: ${errorText(err)}` };
  }
  const value = JSON.parse(msg.string()) as unknown;
  try {
    await raceSignal(msg.ackAck({ timeout: JS_TIMEOUT_MS }), signal);
    return { kind: 'ok', value };
  } catch (first) {
    // ackAck refuses a second call: a second +ACK as a request (a repeated ack of one delivery is
    // harmless); its reply confirms the ack.
    try {
      // The ack subject ($JS.ACK.…) is the delivery's reply subject (JsMsgImpl has it, JsMsg does not say so).
      const ackSubject = (msg as unknown as { reply?: string }).reply;
      if (!ackSubject) throw first;
      await raceSignal(c.nc.request(ackSubject, sc.encode('+ACK'), { timeout: JS_TIMEOUT_MS }), signal);
      return { kind: 'ok', value };
    } catch {
      return { kind: 'unacked', value, error: `ack unconfirmed: ${errorText(first)}` };
    }
  }
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The queue consumer's view: messages not yet delivered plus deliveries not yet acked (they come back
 * after the ack wait); undefined while the consumer does not answer (no stream leader yet after restarts).
 * The consumer's counts, not the stream's: a work-queue stream was seen counting messages the consumer
 * had already had acked (systems/nats/README.md), which no drain could ever take.
 */
export async function consumerBacklog(c: Pick<Conn, 'jsm'>): Promise<number | undefined> {
  try {
    const info = await (await c.jsm()).consumers.info(QUEUE_STREAM, QUEUE_CONSUMER);
    return info.num_pending + info.num_ack_pending;
  } catch {
    return undefined;
  }
}

/**
 * Drain: takes until the queue is empty and the consumer has nothing pending or unacked (deliveries
 * whose ack was lost come back after the ack wait), trying again while JetStream recovers (a pull that
 * times out, a consumer that does not answer), for at most `--opt natsDrainMs` (default 4000 ms: it must end inside the op
 * timeout, or the runner records it as `info` without the elements taken). ok with the elements; info with
 * those taken so far when the budget ran out or the op was aborted. An element whose ack stayed unconfirmed
 * is included (see the module doc).
 */
async function drain(c: Conn, test: RunContext, signal: AbortSignal): Promise<Completion> {
  const got: unknown[] = [];
  const deadline = Date.now() + Number(test.options.natsDrainMs ?? 4000);
  const unconfirmed: unknown[] = [];
  let lastError = 'budget exhausted';
  while (Date.now() < deadline && !signal.aborted) {
    // Each take is bounded by what is left of the budget, so the drain ends in time.
    const t = await takeOne(c, AbortSignal.any([signal, AbortSignal.timeout(deadline - Date.now())]));
    if (t.kind === 'ok' || t.kind === 'unacked') {
      got.push(t.value);
      if (t.kind === 'unacked') unconfirmed.push(t.value);
      continue;
    }
    lastError = t.error;
    // 'none' (a pull that timed out: no stream leader yet after restarts) is tried again too.
    if (t.kind === 'empty' && (await consumerBacklog(c)) === 0)
      return unconfirmed.length
        ? { type: 'ok', value: got, error: `ack unconfirmed for ${JSON.stringify(unconfirmed)}` }
        : { type: 'ok', value: got };
    await sleepMs(200);
  }
  return { type: 'info', value: got, error: `drain incomplete: ${lastError}` };
}

/** queue: enqueue v, dequeue, drain (see the module doc for the outcomes). */
export const natsQueueClient: ClientFactory = async (test, node) =>
  factory(async (c, op, signal) => {
    switch (op.f) {
      case 'enqueue':
        return publish(c, test, QUEUE_STREAM, op.value, signal);
      case 'dequeue': {
        const t = await takeOne(c, signal);
        if (t.kind === 'ok') return { type: 'ok', value: t.value };
        if (t.kind === 'unacked')
          return String(test.options.natsUnconfirmedAck ?? 'ok') === 'info'
            ? { type: 'info', value: t.value, error: t.error }
            : { type: 'ok', value: t.value, error: t.error };
        return { type: 'fail', error: t.error };
      }
      case 'drain':
        return drain(c, test, signal);
      default:
        return { type: 'fail', error: `nats queue: unknown op f=${op.f}` };
    }
  })(test, node);

/**
 * Every element of the set stream, in stream order, read through an ordered consumer. Throws (the read
 * fails, and the final read is tried again) when the consumer delivered fewer messages than the stream
 * info (from the stream leader) counted: an ordered consumer is R1 and may sit on a replica that has not
 * caught up (seen once after kills and partitions: 210 of 252), which is staleness, not loss.
 */
async function readSetOnce(c: Conn): Promise<unknown[]> {
  const jsm = await c.jsm();
  const info = await jsm.streams.info(SET_STREAM);
  const expected = info.state.messages;
  if (expected === 0) return [];
  const consumer = await c.js.consumers.get(SET_STREAM);
  const out: unknown[] = [];
  const msgs = await consumer.consume({ max_messages: 500, expires: 5000 });
  for await (const m of msgs) {
    out.push(JSON.parse(m.string()) as unknown);
    if (m.info.pending === 0) break;
  }
  await msgs.close().catch(() => {});
  if (out.length < expected)
    throw new Error(
      `ordered consumer delivered ${out.length} of the ${expected} messages the stream info counts (a replica behind?)`,
    );
  return out;
}

/**
 * readSetOnce tried again until it succeeds or `signal` aborts (the op timeout): after a heal JetStream
 * needs some seconds to elect the stream's leader (stream info times out meanwhile), and a replica may
 * still be catching up. A read is idempotent, so trying again inside one op is safe. Throws the last
 * attempt's error when the signal aborts.
 */
export async function retryUntilAborted<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  intervalMs = 250,
): Promise<T> {
  let last: unknown = new OpTimedOut();
  while (!signal.aborted) {
    try {
      return await raceSignal(attempt(), signal);
    } catch (err) {
      if (!(err instanceof OpTimedOut)) last = err;
    }
    await sleepMs(intervalMs);
  }
  throw last;
}

/** set: add v → publish with PubAck; read → the whole stream (sorted), tried again while JetStream recovers. */
export const natsSetClient: ClientFactory = async (test, node) =>
  factory(async (c, op, signal) => {
    switch (op.f) {
      case 'add':
        return publish(c, test, SET_STREAM, op.value, signal);
      case 'read':
        try {
          const xs = await retryUntilAborted(() => readSetOnce(c), signal);
          return { type: 'ok', value: xs.sort((a, b) => Number(a) - Number(b)) };
        } catch (err) {
          return { type: 'fail', error: errorText(err) };
        }
      default:
        return { type: 'fail', error: `nats set: unknown op f=${op.f}` };
    }
  })(test, node);
