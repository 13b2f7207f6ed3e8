/**
 * One ZooKeeper session bound to one server (node-zookeeper-client with a single-host connection string,
 * so a client on a lagging or cut-off follower reads what that follower has), as promises raced against
 * the op's AbortSignal, plus `sync` (the library has none) and the four-letter words.
 */
import { Socket } from 'node:net';
import zookeeper, { type Client, type Stat, type ZkException } from 'node-zookeeper-client';
import { raceSignal } from '../../src/util/race-signal.ts';

export const ZK_CLIENT_PORT = 2181;

/** Error codes (Exception.js) of server replies that say the request had no effect. */
const DEFINITE_CODES = new Set<number>([
  zookeeper.Exception.NO_NODE,
  zookeeper.Exception.BAD_VERSION,
  zookeeper.Exception.NODE_EXISTS,
  zookeeper.Exception.NOT_EMPTY,
]);

/** A request that was never sent: the session was not connected when the op began. */
export class NotConnected extends Error {}

/** The library's Exception code of an error, undefined for other errors. */
export function zkCode(err: unknown): number | undefined {
  const e = err as Partial<ZkException> | null;
  return typeof e?.getCode === 'function' ? e.getCode() : undefined;
}

/**
 * True when a failed request certainly had no effect: a server reply such as BADVERSION or NONODE, or a
 * request never sent. CONNECTION_LOSS, SESSION_EXPIRED and timeouts after sending are not definite.
 */
export function isDefinite(err: unknown): boolean {
  if (err instanceof NotConnected) return true;
  const c = zkCode(err);
  return c !== undefined && DEFINITE_CODES.has(c);
}

/** `path` as a jute ustring (int32 length, UTF-8 bytes): the payload of a sync request. */
function ustring(path: string): { byteLength(): number; serialize(b: Buffer, off: number): number } {
  const bytes = Buffer.from(path, 'utf8');
  return {
    byteLength: () => 4 + bytes.length,
    serialize(b, off) {
      b.writeInt32BE(bytes.length, off);
      bytes.copy(b, off + 4);
      return 4 + bytes.length;
    },
  };
}

/** The connection manager's stream handling, as guardStream patches it (library internals). */
interface StreamHandling {
  pendingBuffer: Buffer | null;
  socket?: { destroy(): void };
  onSocketData(b: Buffer): void;
  onSocketConnected(): void;
}

/**
 * Two node-zookeeper-client 1.1 stream bugs, seen in runs: a partial reply left from a lost connection
 * stays buffered and is prepended to the next connection's bytes, and a reply that then parses as
 * garbage (an unknown error code) throws out of the socket's data handler, where nothing catches it.
 * Each new connection starts with an empty buffer, and a reply that cannot be parsed closes the
 * connection, as a lost connection would (its pending requests complete with CONNECTION_LOSS: `info`).
 * The handlers are bound per socket at connect time, so instance properties set before connect apply.
 */
function guardStream(c: Client): void {
  const cm = c.connectionManager as unknown as StreamHandling;
  const onData = cm.onSocketData;
  const onConnected = cm.onSocketConnected;
  cm.onSocketConnected = function (this: StreamHandling) {
    this.pendingBuffer = null;
    onConnected.call(this);
  };
  cm.onSocketData = function (this: StreamHandling, b: Buffer) {
    try {
      onData.call(this, b);
    } catch {
      this.pendingBuffer = null;
      this.socket?.destroy();
    }
  };
}

const OP_SYNC = 9;
const OP_CREATE = 1;

/**
 * A session with one server. Reopens itself (a new session) after its session expired; a request made
 * while the session is not connected is refused at once with NotConnected (never queued for later).
 */
export class ZkSession {
  private client: Client | undefined;
  readonly host: string;
  private readonly sessionTimeoutMs: number;

  constructor(host: string, sessionTimeoutMs: number) {
    this.host = host;
    this.sessionTimeoutMs = sessionTimeoutMs;
  }

  /** Opens the session; resolves when connected or after `waitMs` (requests then fail NotConnected). */
  async open(waitMs: number): Promise<void> {
    const c = zookeeper.createClient(`${this.host}:${ZK_CLIENT_PORT}`, {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    this.client = c;
    guardStream(c);
    c.once('expired', () => {
      // An expired session never comes back; the next op opens a fresh one.
      if (this.client === c) this.client = undefined;
      c.close();
    });
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, waitMs);
      c.once('connected', () => {
        clearTimeout(t);
        resolve();
      });
      c.connect();
    });
  }

  private async connected(): Promise<Client> {
    if (!this.client) await this.open(1000);
    const c = this.client;
    if (!c || c.getState() !== zookeeper.State.SYNC_CONNECTED)
      throw new NotConnected(`not connected to ${this.host} (${c?.getState().name ?? 'no session'})`);
    return c;
  }

  private call<T>(signal: AbortSignal, f: (c: Client, cb: (e: ZkException | null, v: T) => void) => void) {
    return raceSignal(
      this.connected().then(
        (c) => new Promise<T>((resolve, reject) => f(c, (e, v) => (e ? reject(e) : resolve(v)))),
      ),
      signal,
    );
  }

  /** The data and version of `path`, undefined when it does not exist. */
  getData(path: string, signal: AbortSignal): Promise<{ data: string; version: number } | undefined> {
    return this.call(signal, (c, cb) =>
      c.getData(path, (e, data, stat: Stat) => {
        if (e && zkCode(e) === zookeeper.Exception.NO_NODE) return cb(null, undefined);
        cb(e, e ? undefined : { data: data?.toString('utf8') ?? '', version: stat.version });
      }),
    );
  }

  /** setData with an expected version (-1: any); resolves with the new version. */
  setData(path: string, data: string, version: number, signal: AbortSignal): Promise<number> {
    return this.call(signal, (c, cb) =>
      c.setData(path, Buffer.from(data), version, (e, stat) => cb(e, stat?.version ?? -1)),
    );
  }

  /** Creates `path` (mode: CreateMode); resolves with the created path (with its sequence number). */
  create(path: string, data: string, mode: number, signal: AbortSignal): Promise<string> {
    return this.call(signal, (c, cb) => c.create(path, Buffer.from(data), mode, cb));
  }

  /** Creates `path` and its parents when missing (mkdirp: existing nodes are fine). */
  mkdirp(path: string, signal: AbortSignal): Promise<string> {
    return this.call(signal, (c, cb) => c.mkdirp(path, cb));
  }

  getChildren(path: string, signal: AbortSignal): Promise<string[]> {
    return this.call(signal, (c, cb) => c.getChildren(path, cb));
  }

  /**
   * ZooKeeper's sync(path): the server answers once it has applied every write the leader committed
   * before the sync reached it, so a read after it on this session is not stale. node-zookeeper-client
   * has no sync: the request is sent through its connection manager with opcode 9 on the wire, and
   * reads as a create in its reply dispatch, because SyncResponse has CreateResponse's layout (a path).
   */
  sync(path: string, signal: AbortSignal): Promise<void> {
    return this.call(signal, (c, cb) => {
      const header = {
        xid: 0,
        type: OP_CREATE,
        byteLength: () => 8,
        serialize(b: Buffer, off: number) {
          b.writeInt32BE(this.xid, off);
          b.writeInt32BE(OP_SYNC, off + 4);
          return 8;
        },
      };
      const payload = ustring(path);
      const request = {
        header,
        payload,
        toBuffer() {
          const size = header.byteLength() + payload.byteLength();
          const b = Buffer.alloc(size + 4);
          b.writeInt32BE(size, 0);
          const off = header.serialize(b, 4);
          payload.serialize(b, 4 + off);
          return b;
        },
      };
      c.connectionManager.queue(request, (e) => cb(e, undefined));
    });
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

/**
 * Sends a four-letter word (srvr, mntr, ruok) to a server and returns its whole answer, undefined when
 * it does not answer within `timeoutMs` (the command must be in 4lw.commands.whitelist).
 */
export function fourLetterWord(
  host: string,
  word: string,
  timeoutMs: number,
  port = ZK_CLIENT_PORT,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = new Socket();
    let out = '';
    const done = (v: string | undefined) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(undefined));
    s.on('error', () => done(undefined));
    s.on('data', (b) => {
      out += b.toString('utf8');
    });
    s.on('end', () => done(out));
    s.connect(port, host, () => s.write(word));
  });
}
