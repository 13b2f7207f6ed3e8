/**
 * A tiny client for etcd's v3 JSON gateway (etcd 3.4: POST /v3/kv/range, /v3/kv/put, /v3/kv/txn,
 * /v3/maintenance/status). Chosen over grpc because every failure is visible as what it is: a refused
 * connection (nothing sent), a server error with its message, or a timeout/lost connection after sending.
 * Keys and values are base64 in the JSON; int64 fields arrive as strings.
 */

import { describeError, errorCode } from '../../src/util/net-errors.ts';

export const CLIENT_PORT = 2379;
export const PEER_PORT = 2380;

export interface KeyValue {
  key: string;
  value: string;
  modRevision: number;
  createRevision: number;
}

/** Why a request did not give an answer, and whether it could have taken effect. */
export class EtcdError extends Error {
  /** True when the request certainly had no effect (refused before sending, or rejected up front). */
  readonly definite: boolean;
  constructor(message: string, definite: boolean) {
    super(message);
    this.name = 'EtcdError';
    this.definite = definite;
  }
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => (s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8'));

/** Server errors that the server raises before proposing anything to Raft: nothing was applied. */
const DEFINITE_SERVER_ERRORS = [
  /too many requests/i,
  /request is too large/i,
  /permission denied/i,
  /required revision has been compacted/i,
  /duplicate key given in txn request/i,
];

/** Connection errors that happen before the request is written: the server never saw it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL']);

interface RawKv {
  key?: string;
  value?: string;
  mod_revision?: string;
  create_revision?: string;
}

function parseKv(k: RawKv): KeyValue {
  return {
    key: unb64(k.key),
    value: unb64(k.value),
    modRevision: Number(k.mod_revision ?? 0),
    createRevision: Number(k.create_revision ?? 0),
  };
}

export class EtcdHttp {
  readonly base: string;
  constructor(host: string, port = CLIENT_PORT) {
    this.base = `http://${host}:${port}`;
  }

  /** One POST; throws EtcdError with `definite` set only when the request certainly did nothing. */
  async call<T>(path: string, body: unknown, signal: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw new EtcdError('timed out', false);
      const code = errorCode(err);
      throw new EtcdError(describeError(err), code !== undefined && NOT_SENT_CODES.has(code));
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      // The server had the request; the answer was lost.
      throw new EtcdError(signal.aborted ? 'timed out' : `response lost: ${describeError(err)}`, false);
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new EtcdError(`HTTP ${res.status}: ${text.slice(0, 200)}`, false);
    }
    if (!res.ok || typeof json.error === 'string') {
      const msg = String(json.message ?? json.error ?? `HTTP ${res.status}`);
      throw new EtcdError(
        msg,
        DEFINITE_SERVER_ERRORS.some((r) => r.test(msg)),
      );
    }
    return json as T;
  }

  async get(key: string, serializable: boolean, signal: AbortSignal): Promise<KeyValue | undefined> {
    const r = await this.call<{ kvs?: RawKv[] }>('/v3/kv/range', { key: b64(key), serializable }, signal);
    const kv = r.kvs?.[0];
    return kv ? parseKv(kv) : undefined;
  }

  async put(key: string, value: string, signal: AbortSignal): Promise<void> {
    await this.call('/v3/kv/put', { key: b64(key), value: b64(value) }, signal);
  }

  /** Puts `to` when the key's value equals `from`; false when it did not (the compare failed). */
  async casValue(key: string, from: string, to: string, signal: AbortSignal): Promise<boolean> {
    const r = await this.call<{ succeeded?: boolean }>(
      '/v3/kv/txn',
      {
        compare: [{ key: b64(key), result: 'EQUAL', target: 'VALUE', value: b64(from) }],
        success: [{ request_put: { key: b64(key), value: b64(to) } }],
      },
      signal,
    );
    return r.succeeded === true;
  }

  /**
   * Puts `value` when the key's mod revision is still `modRevision` (0: the key does not exist). On a
   * failed compare, returns the key's current state from the same transaction, so a retry needs no extra read.
   */
  async casRevision(
    key: string,
    modRevision: number,
    value: string,
    signal: AbortSignal,
  ): Promise<{ ok: true } | { ok: false; current: KeyValue | undefined }> {
    const r = await this.call<{
      succeeded?: boolean;
      responses?: { response_range?: { kvs?: RawKv[] } }[];
    }>(
      '/v3/kv/txn',
      {
        compare: [{ key: b64(key), result: 'EQUAL', target: 'MOD', mod_revision: String(modRevision) }],
        success: [{ request_put: { key: b64(key), value: b64(value) } }],
        failure: [{ request_range: { key: b64(key) } }],
      },
      signal,
    );
    if (r.succeeded === true) return { ok: true };
    const kv = r.responses?.[0]?.response_range?.kvs?.[0];
    return { ok: false, current: kv ? parseKv(kv) : undefined };
  }

  /** This member's id, the leader it knows of, and the raft term (for `primaries`). */
  async status(signal: AbortSignal): Promise<{ memberId: string; leader: string; raftTerm: number }> {
    const r = await this.call<{
      header?: { member_id?: string };
      leader?: string;
      raftTerm?: string;
      raft_term?: string;
    }>('/v3/maintenance/status', {}, signal);
    return {
      memberId: String(r.header?.member_id ?? ''),
      leader: String(r.leader ?? ''),
      raftTerm: Number(r.raftTerm ?? r.raft_term ?? 0),
    };
  }

  /** GET /version: the server's own version (`etcdserver`, e.g. 3.4.30); throws when it does not answer one. */
  async serverVersion(signal: AbortSignal): Promise<string> {
    const res = await fetch(`${this.base}/version`, { signal });
    const j = (await res.json()) as { etcdserver?: unknown };
    if (typeof j.etcdserver !== 'string' || !j.etcdserver)
      throw new Error(`${this.base}/version: no etcdserver field (HTTP ${res.status})`);
    return j.etcdserver;
  }

  /** GET /health: true when the member answers and has a leader. */
  async healthy(signal: AbortSignal): Promise<boolean> {
    try {
      const res = await fetch(`${this.base}/health`, { signal });
      const j = (await res.json()) as { health?: unknown };
      return j.health === 'true' || j.health === true;
    } catch {
      return false;
    }
  }
}
