/**
 * The `queue` client for RabbitMQ (amqplib): one AMQP connection and one confirm channel per client,
 * to the client's own node. Messages carry the element as their body (JSON) and message id.
 *
 * - enqueue v: publish to the queue (default exchange, persistent, mandatory) and wait for the
 *   publisher confirm. ack → ok; returned as unroutable → fail (no queue took it); nack → info: the
 *   broker "refuses responsibility" (RabbitMQ's confirms guide), which is not a promise that no queue
 *   holds it — a classic queue killed between its fsync and its confirm nacks, then recovers the
 *   persistent message from disk on restart (a CI run dequeued such a nacked element). The channel
 *   closed or the op timed out before the confirm → info. An unconfirmed message is never published
 *   again: the op stays info.
 * - dequeue: basic.get without auto-ack, then basic.ack, then a round trip on the same channel
 *   (queue.declare passive), so that the next op finds the ack processed. Empty → fail 'empty'; the
 *   broker refused the get (404: a classic queue whose home node is down) → fail; the channel lost or
 *   the op timed out before the get's answer → info (the broker may have handed the element out; it
 *   is requeued when the channel closes unacknowledged). Once the element arrived the dequeue is ok
 *   even when the round trip after the ack fails: the element was delivered, and a lost ack means a
 *   redelivery (a duplicate: AMQP delivery is at-least-once).
 * - drain: basic.get + ack until the queue answers empty twice, a second apart → ok with every element;
 *   interrupted → info with the elements received and acknowledged so far.
 * A client whose connection is already gone reconnects before the op; if that fails the op is `fail`:
 * nothing was sent (a drain keeps trying to connect until its op times out).
 */
import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { errorText } from '../../src/core/errors.ts';
import type { Invocation } from '../../src/core/generator.ts';
import type { Client, ClientFactory, Completion, RunContext } from '../../src/core/index.ts';
import { raceSignal } from '../../src/util/race-signal.ts';

/** Both modes' queue names, duplicated from index.ts to avoid an import cycle. */
const queueOf = (mode: 'quorum' | 'classic') => `faultline-${mode}`;

/** The AMQP URL of a node (guest may log in remotely: loopback_users = none). */
export function amqpUrl(ip: string): string {
  // heartbeat: a dead peer (partition, paused broker) closes the connection within ~2 heartbeats.
  return `amqp://guest:guest@${ip}:5672/?heartbeat=2`;
}

/** The element a message carries (its JSON body). */
export function elementOf(msg: GetMessage): unknown {
  return JSON.parse(msg.content.toString('utf8')) as unknown;
}

/** An open client: its connection, confirm channel, and whether either has closed. */
interface Session {
  conn: ChannelModel;
  ch: ConfirmChannel;
  closed: string | undefined;
  /** Message ids the broker returned as unroutable (basic.return precedes their confirm). */
  returned: Set<string>;
}

async function open(ip: string): Promise<Session> {
  const conn = await amqp.connect(amqpUrl(ip), { timeout: 3000 });
  const s: Session = {
    conn,
    ch: undefined as unknown as ConfirmChannel,
    closed: undefined,
    returned: new Set(),
  };
  conn.on('error', (err: unknown) => {
    s.closed ??= errorText(err);
  });
  conn.on('close', () => {
    s.closed ??= 'connection closed';
  });
  try {
    s.ch = await conn.createConfirmChannel();
  } catch (err) {
    await conn.close().catch(() => {});
    throw err;
  }
  s.ch.on('error', (err: unknown) => {
    s.closed ??= errorText(err);
  });
  s.ch.on('close', () => {
    s.closed ??= 'channel closed';
  });
  s.ch.on('return', (msg: { properties: { messageId?: string } }) => {
    if (msg.properties.messageId) s.returned.add(msg.properties.messageId);
  });
  return s;
}

/** Publishes v and waits for its confirm (see the module doc for the classification). */
async function enqueue(s: Session, queue: string, v: unknown, signal: AbortSignal): Promise<Completion> {
  if (s.closed) return { type: 'fail', error: `not sent: ${s.closed}` };
  const id = JSON.stringify(v);
  let confirmed: Promise<void>;
  try {
    confirmed = new Promise<void>((resolve, reject) => {
      s.ch.sendToQueue(
        queue,
        Buffer.from(id),
        { persistent: true, mandatory: true, messageId: id },
        (err: unknown) => (err ? reject(err) : resolve()),
      );
    });
  } catch (err) {
    // amqplib throws at once when the channel is already closed: nothing was written.
    return { type: 'fail', error: `not sent: ${errorText(err)}` };
  }
  let err: unknown;
  try {
    await raceSignal(confirmed, signal);
  } catch (e) {
    err = e;
  }
  return confirmOutcome(err, s.returned.delete(id));
}

/**
 * An enqueue's completion from its publisher confirm: `err` is what the confirm callback or the op's
 * timeout gave (undefined: acked), `returned` whether the broker returned the message as unroutable
 * first. Only a return is certain not to be enqueued; a nack or a lost confirm is `info` (module doc).
 */
export function confirmOutcome(err: unknown, returned: boolean): Completion {
  if (err !== undefined) {
    const m = errorText(err);
    // A nack may follow the queue's write (see the module doc): indeterminate, like a lost confirm.
    return { type: 'info', error: /nacked/.test(m) ? 'nacked by the broker (a queue may still hold it)' : m };
  }
  if (returned) return { type: 'fail', error: 'returned unroutable (no such queue)' };
  return { type: 'ok' };
}

/** amqplib's text for a channel error the broker sent in reply to the operation (e.g. 404 NOT_FOUND). */
const REFUSED = /^Operation failed: \w+; (404|403|406)/;

/** basic.get (manual ack); false when the queue is empty. */
const get = (s: Session, queue: string, signal: AbortSignal) =>
  raceSignal(s.ch.get(queue, { noAck: false }), signal);

/** Acks a message, then waits for a round trip on the channel (frames are handled in order). */
async function ackAndSync(s: Session, queue: string, msg: GetMessage, signal: AbortSignal): Promise<void> {
  s.ch.ack(msg);
  await raceSignal(s.ch.checkQueue(queue), signal);
}

async function dequeue(s: Session, queue: string, signal: AbortSignal): Promise<Completion> {
  if (s.closed) return { type: 'fail', error: `not sent: ${s.closed}` };
  let msg: GetMessage | false;
  try {
    msg = await get(s, queue, signal);
  } catch (err) {
    const m = errorText(err);
    // A channel error answering the get itself: the broker refused it, nothing was handed out.
    return { type: REFUSED.test(m) ? 'fail' : 'info', error: m };
  }
  if (msg === false) return { type: 'fail', error: 'empty' };
  const v = elementOf(msg);
  try {
    await ackAndSync(s, queue, msg, signal);
  } catch {
    // Still ok: the element was delivered to us. AMQP acks are never confirmed; had this one been lost,
    // the broker redelivers the element (a duplicate, as at-least-once delivery allows). Calling it
    // info would hide the element from the checker and make it look lost whenever the ack did land.
  }
  return { type: 'ok', value: v };
}

const sleep = (ms: number, signal: AbortSignal) => raceSignal(new Promise((r) => setTimeout(r, ms)), signal);

/**
 * Gets and acks until the queue answers empty twice, a second apart. A get the broker refuses (404: a
 * classic queue's home node still restarting after the heal) handed nothing out, and the acks before
 * it on the channel were processed first: the drain reconnects (`reopen`) and goes on.
 */
async function drain(
  first: Session,
  reopen: () => Promise<Session | string>,
  queue: string,
  signal: AbortSignal,
): Promise<Completion> {
  let s = first;
  const got: unknown[] = [];
  try {
    let emptyOnce = false;
    for (;;) {
      let msg: GetMessage | false;
      try {
        msg = await get(s, queue, signal);
      } catch (err) {
        if (!REFUSED.test(errorText(err))) throw err;
        for (;;) {
          await sleep(500, signal);
          const next = await reopen();
          if (typeof next !== 'string') {
            s = next;
            break;
          }
        }
        continue;
      }
      if (msg === false) {
        if (emptyOnce) return { type: 'ok', value: got };
        // Once more after a second: elements held by connections that died in the faults come back
        // when the broker notices (heartbeat), and the drains of other nodes run at the same time.
        emptyOnce = true;
        await sleep(1000, signal);
        continue;
      }
      emptyOnce = false;
      got.push(elementOf(msg));
      // The next get is the round trip that shows this ack was processed.
      s.ch.ack(msg);
    }
  } catch (err) {
    return { type: 'info', value: got, error: `drain interrupted after ${got.length}: ${errorText(err)}` };
  }
}

/** The `queue` client for a mode's queue (enqueue / dequeue / drain). */
export function rabbitQueueClient(mode: 'quorum' | 'classic'): ClientFactory {
  const queue = queueOf(mode);
  return async (_test: RunContext, node) => {
    const ip = node.remote?.ip;
    if (!ip) throw new Error(`rabbitmq: node ${node.name} has no remote`);
    // Opened lazily when the node does not answer yet: a drain then waits for it (below), other ops
    // fail (nothing sent).
    let s: Session | undefined = await open(ip).catch(() => undefined);
    let lastError = 'not connected';
    // A connection found closed before an op is replaced first: nothing of the op was sent yet.
    const session = async (): Promise<Session | string> => {
      if (s && !s.closed) return s;
      const was = s?.closed ?? lastError;
      // Only the channel may have closed (a channel error): do not leave its connection open.
      s?.conn.close().catch(() => {});
      try {
        s = await open(ip);
        return s;
      } catch (err) {
        lastError = errorText(err);
        return `not sent: ${was}; reconnecting failed: ${lastError}`;
      }
    };
    const client: Client = {
      async invoke(op: Invocation, signal: AbortSignal): Promise<Completion> {
        let s = await session();
        // The final drain waits for its node to serve again (a restarted or paused-minority broker
        // takes seconds after the heal): connecting sends nothing, so trying again is safe.
        while (typeof s === 'string' && op.f === 'drain' && !signal.aborted) {
          await new Promise((r) => setTimeout(r, 500));
          s = await session();
        }
        if (typeof s === 'string') return { type: 'fail', error: s };
        switch (op.f) {
          case 'enqueue':
            return enqueue(s, queue, op.value, signal);
          case 'dequeue':
            return dequeue(s, queue, signal);
          case 'drain':
            return drain(s, session, queue, signal);
          default:
            return Promise.resolve({ type: 'fail', error: `rabbitmq queue: unknown op f=${op.f}` });
        }
      },
      async close() {
        if (!s) return;
        s.closed ??= 'closed by the client';
        await s.conn.close().catch(() => {});
      },
    };
    return client;
  };
}
