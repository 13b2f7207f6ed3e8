/**
 * ZooKeeper clients for the register, set and unique-ids workloads; each holds one session with the one
 * server of the node it is bound to (zk.ts).
 * Classification: a read that errs is `fail` (it changed nothing); a write is `fail` when the server
 * answered that it had no effect (BADVERSION, NONODE, NODEEXISTS) or it was never sent (session not
 * connected), else `info` (CONNECTION_LOSS, an expired session or a timeout after sending). Nothing is
 * retried once it may have been applied.
 * `--opt syncReads=true` (default) sends `sync` before each read: linearizable reads; `false`: plain reads
 * from the bound server, which ZooKeeper allows to be stale.
 */
import zookeeper from 'node-zookeeper-client';
import { errorText } from '../../src/core/errors.ts';
import type { Invocation } from '../../src/core/generator.ts';
import type { Client, ClientFactory, Completion, NodeRef, RunContext } from '../../src/core/index.ts';
import { isDefinite, ZkSession, zkCode } from './zk.ts';

/** Session timeout asked for, ms (the server clamps it to 2–20 ticks). */
export const SESSION_TIMEOUT_MS = 4000;

/** Whether reads are preceded by `sync` (`--opt syncReads`, default true). */
export function syncReadsOf(options: Record<string, unknown>): boolean {
  const v = options.syncReads ?? true;
  return v === true || v === 'true';
}

/** The completion for a write that threw: fail only when it certainly had no effect. */
export function writeError(err: unknown): Completion {
  return { type: isDefinite(err) ? 'fail' : 'info', error: errorText(err) };
}

/** A read has no effect: any error is a definite failure. */
export function readError(err: unknown): Completion {
  return { type: 'fail', error: errorText(err) };
}

async function session(node: NodeRef): Promise<ZkSession> {
  if (!node.remote) throw new Error(`zookeeper: node ${node.name} has no remote`);
  const s = new ZkSession(node.remote.ip, SESSION_TIMEOUT_MS);
  await s.open(5000);
  return s;
}

function client(s: ZkSession, invoke: (op: Invocation, signal: AbortSignal) => Promise<Completion>): Client {
  return {
    invoke,
    async close() {
      s.close();
    },
  };
}

/** A read of `path` (after a sync when `syncReads`): its data and version, undefined when absent. */
async function readData(s: ZkSession, path: string, syncReads: boolean, signal: AbortSignal) {
  if (syncReads) await s.sync(path, signal);
  return s.getData(path, signal);
}

/**
 * Creates `path` under `parent`, creating the parent first when the server says it is missing (a
 * NONODE create had no effect, so trying again is safe).
 */
async function createUnder(
  s: ZkSession,
  parent: string,
  path: string,
  data: string,
  mode: number,
  signal: AbortSignal,
): Promise<string> {
  try {
    return await s.create(path, data, mode, signal);
  } catch (err) {
    if (zkCode(err) !== zookeeper.Exception.NO_NODE) throw err;
    await s.mkdirp(parent, signal);
    return s.create(path, data, mode, signal);
  }
}

const REGISTER_ROOT = '/faultline/register';

/**
 * register: one znode per key holding the JSON value. read [k, null] → [k, v] (null when absent);
 * write [k, v]: setData any version, or create when absent; cas [k, [from, to]]: getData, and setData
 * with the version read when the value is `from` (BADVERSION: another write came between: `fail`).
 */
export const zkRegisterClient: ClientFactory = async (test: RunContext, node: NodeRef) => {
  const s = await session(node);
  const syncReads = syncReadsOf(test.options);
  return client(s, async (op, signal) => {
    const [k, v] = op.value as [unknown, unknown];
    const path = `${REGISTER_ROOT}/${encodeURIComponent(JSON.stringify(k))}`;
    switch (op.f) {
      case 'read':
        try {
          const d = await readData(s, path, syncReads, signal);
          return { type: 'ok', value: [k, d ? (JSON.parse(d.data) as unknown) : null] };
        } catch (err) {
          return readError(err);
        }
      case 'write': {
        const data = JSON.stringify(v);
        try {
          await s.setData(path, data, -1, signal);
          return { type: 'ok' };
        } catch (err) {
          if (zkCode(err) !== zookeeper.Exception.NO_NODE) return writeError(err);
        }
        try {
          await createUnder(s, REGISTER_ROOT, path, data, zookeeper.CreateMode.PERSISTENT, signal);
          return { type: 'ok' };
        } catch (err) {
          if (zkCode(err) !== zookeeper.Exception.NODE_EXISTS) return writeError(err);
        }
        // Another client created it between our NONODE and our create: overwrite it.
        try {
          await s.setData(path, data, -1, signal);
          return { type: 'ok' };
        } catch (err) {
          return writeError(err);
        }
      }
      case 'cas': {
        const [from, to] = v as [unknown, unknown];
        let cur: Awaited<ReturnType<ZkSession['getData']>>;
        try {
          cur = await s.getData(path, signal);
        } catch (err) {
          return readError(err);
        }
        if (!cur) return { type: 'fail', error: 'cas on an absent register' };
        if (cur.data !== JSON.stringify(from))
          return { type: 'fail', error: `cas mismatch: register holds ${cur.data}` };
        try {
          await s.setData(path, JSON.stringify(to), cur.version, signal);
          return { type: 'ok' };
        } catch (err) {
          return writeError(err);
        }
      }
      default:
        return { type: 'fail', error: `zookeeper register: unknown op f=${op.f}` };
    }
  });
};

const SET_ROOT = '/faultline/set';

/** set: add v creates the child znode `e<v>` of the set's parent; read → the children's elements. */
export const zkSetClient: ClientFactory = async (test: RunContext, node: NodeRef) => {
  const s = await session(node);
  const syncReads = syncReadsOf(test.options);
  return client(s, async (op, signal) => {
    switch (op.f) {
      case 'add':
        try {
          const path = `${SET_ROOT}/e${JSON.stringify(op.value)}`;
          await createUnder(s, SET_ROOT, path, '', zookeeper.CreateMode.PERSISTENT, signal);
          return { type: 'ok' };
        } catch (err) {
          return writeError(err);
        }
      case 'read':
        try {
          if (syncReads) await s.sync(SET_ROOT, signal);
          const children = await s.getChildren(SET_ROOT, signal).catch((err: unknown) => {
            if (zkCode(err) === zookeeper.Exception.NO_NODE) return [] as string[];
            throw err;
          });
          const values = children.map((c) => JSON.parse(c.slice(1)) as unknown);
          return { type: 'ok', value: values.sort((a, b) => Number(a) - Number(b)) };
        } catch (err) {
          return readError(err);
        }
      default:
        return { type: 'fail', error: `zookeeper set: unknown op f=${op.f}` };
    }
  });
};

const IDS_ROOT = '/faultline/ids';

/** The sequence number ZooKeeper appended to a sequential znode's name (10 decimal digits). */
export function sequenceOf(path: string): number {
  const m = /(\d{10})$/.exec(path);
  if (!m) throw new Error(`no sequence number in ${path}`);
  return Number(m[1]);
}

/** unique-ids: generate creates a persistent sequential znode; the id is its sequence number. */
export const zkUniqueIdsClient: ClientFactory = async (_test: RunContext, node: NodeRef) => {
  const s = await session(node);
  return client(s, async (op, signal) => {
    if (op.f !== 'generate') return { type: 'fail', error: `zookeeper unique-ids: unknown op f=${op.f}` };
    try {
      const path = await createUnder(
        s,
        IDS_ROOT,
        `${IDS_ROOT}/id-`,
        '',
        zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
        signal,
      );
      return { type: 'ok', value: sequenceOf(path) };
    } catch (err) {
      return writeError(err);
    }
  });
};
