/**
 * Redis clients (ioredis, Sentinel-aware) for the register, set and counter workloads. A client asks the
 * sentinels for the primary, its own node's sentinel first, so a client on a cut-off node follows that
 * node's (possibly outdated) view, as an application colocated with it would.
 * Classification: reads that err are `fail`; a write is `fail` when Redis rejected it (READONLY, …) or it was
 * never written to a socket (no connection, offline queue off); a timeout or a lost connection is `info`.
 * Unfulfilled commands are never resent on reconnect: a resent INCR could apply twice.
 * `--opt redisWait=N`: WAIT for N replicas after each write; fewer acks make the write `info`.
 */
import { Redis } from 'ioredis';
import { errorText } from '../../src/core/errors.ts';
import type { Invocation } from '../../src/core/generator.ts';
import type { Client, ClientFactory, Completion, NodeRef, RunContext } from '../../src/core/index.ts';
import { raceSignal } from '../../src/util/race-signal.ts';

const MASTER_NAME = 'faultline';
const SENTINEL_PORT = 26379;

/** Rejections Redis sends before executing anything, and ioredis errors for commands it never sent. */
const DEFINITE = [
  /^(READONLY|LOADING|MASTERDOWN|NOREPLICAS|MISCONF|OOM|NOSCRIPT|WRONGTYPE|EXECABORT|BUSY|NOAUTH|ERR)\b/,
  /Stream isn't writeable/,
  /enableOfflineQueue/,
];

const message = errorText;

export function redisWriteError(err: unknown): Completion {
  const m = message(err);
  return { type: DEFINITE.some((r) => r.test(m)) ? 'fail' : 'info', error: m };
}

function connect(test: RunContext, node: NodeRef): Redis {
  const own = node.remote?.ip;
  if (!own) throw new Error(`redis: node ${node.name} has no remote`);
  const others = test.remotes.filter((r) => r.ip !== own).map((r) => ({ host: r.ip, port: SENTINEL_PORT }));
  const redis = new Redis({
    sentinels: [{ host: own, port: SENTINEL_PORT }, ...others],
    name: MASTER_NAME,
    connectTimeout: 1000,
    sentinelCommandTimeout: 1000,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 200,
    sentinelRetryStrategy: () => 200,
    // A demoted primary answers READONLY: reconnect (through the sentinels) without resending.
    reconnectOnError: (err: Error) => (/^READONLY/.test(err.message) ? 1 : false),
    failoverDetector: true,
  });
  redis.on('error', () => {}); // Reported per command; the connection retries on its own.
  return redis;
}

/** Waits (bounded) for the connection, so the first ops do not fail only because it is still being made. */
async function ready(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      redis.off('ready', done);
      resolve();
    }
    redis.once('ready', done);
  });
}

type Handler = (redis: Redis, op: Invocation, signal: AbortSignal) => Promise<Completion>;

function factory(handle: Handler): ClientFactory {
  return async (test, node) => {
    const redis = connect(test, node);
    await ready(redis, 3000);
    const client: Client = {
      invoke: (op, signal) => handle(redis, op, signal),
      async close() {
        redis.disconnect();
      },
    };
    return client;
  };
}

async function read<T>(
  p: () => Promise<T>,
  signal: AbortSignal,
  value: (x: T) => unknown,
): Promise<Completion> {
  try {
    return { type: 'ok', value: value(await raceSignal(p(), signal)) };
  } catch (err) {
    return { type: 'fail', error: message(err) };
  }
}

/** A write, then (with redisWait) WAIT for that many replicas: too few acks leave the outcome unknown. */
async function write(
  redis: Redis,
  test: RunContext,
  p: () => Promise<unknown>,
  signal: AbortSignal,
  accept: (reply: unknown) => Completion = () => ({ type: 'ok' }),
): Promise<Completion> {
  let reply: unknown;
  try {
    reply = await raceSignal(p(), signal);
  } catch (err) {
    return redisWriteError(err);
  }
  const done = accept(reply);
  const want = Number(test.options.redisWait ?? 0);
  if (done.type !== 'ok' || want <= 0) return done;
  try {
    const acks = Number(await raceSignal(redis.wait(want, 1000), signal));
    if (acks < want) return { type: 'info', error: `WAIT: ${acks} of ${want} replicas acknowledged` };
    return done;
  } catch (err) {
    return { type: 'info', error: `WAIT: ${message(err)}` };
  }
}

const CAS_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end";

/** register: [k, v] values; read [k, null] → [k, v]; write [k, v]; cas [k, [from, to]] (a Lua script). */
export const redisRegisterClient: ClientFactory = async (test, node) =>
  factory(async (redis, op, signal) => {
    const [k, v] = op.value as [unknown, unknown];
    const key = `register:${JSON.stringify(k)}`;
    switch (op.f) {
      case 'read':
        return read(
          () => redis.get(key),
          signal,
          (x: string | null) => [k, x === null ? null : (JSON.parse(x) as unknown)],
        );
      case 'write':
        return write(redis, test, () => redis.set(key, JSON.stringify(v)), signal);
      case 'cas': {
        const [from, to] = v as [unknown, unknown];
        return write(
          redis,
          test,
          () => redis.eval(CAS_SCRIPT, 1, key, JSON.stringify(from), JSON.stringify(to)),
          signal,
          (r) => (Number(r) === 1 ? { type: 'ok' } : { type: 'fail', error: 'cas mismatch' }),
        );
      }
      default:
        return { type: 'fail', error: `redis register: unknown op f=${op.f}` };
    }
  })(test, node);

/** set: add v → SADD; read → SMEMBERS (elements stored as JSON). */
export const redisSetClient: ClientFactory = async (test, node) =>
  factory(async (redis, op, signal) => {
    switch (op.f) {
      case 'add':
        return write(redis, test, () => redis.sadd('set', JSON.stringify(op.value)), signal);
      case 'read':
        return read(
          () => redis.smembers('set'),
          signal,
          (xs: string[]) => xs.map((x) => JSON.parse(x) as unknown).sort((a, b) => Number(a) - Number(b)),
        );
      default:
        return { type: 'fail', error: `redis set: unknown op f=${op.f}` };
    }
  })(test, node);

/** counter: add d → INCRBY; read → GET (0 before any add). */
export const redisCounterClient: ClientFactory = async (test, node) =>
  factory(async (redis, op, signal) => {
    switch (op.f) {
      case 'add':
        return write(redis, test, () => redis.incrby('counter', Number(op.value)), signal);
      case 'read':
        return read(
          () => redis.get('counter'),
          signal,
          (x: string | null) => (x === null ? 0 : Number(x)),
        );
      default:
        return { type: 'fail', error: `redis counter: unknown op f=${op.f}` };
    }
  })(test, node);
