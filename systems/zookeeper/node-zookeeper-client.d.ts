/**
 * The part of node-zookeeper-client (1.1, no bundled types) that faultline uses. Callbacks take the
 * library's Exception (a `getCode()` from Exception's codes) or null.
 */
declare module 'node-zookeeper-client' {
  export interface Stat {
    version: number;
  }
  export interface ZkException extends Error {
    getCode(): number;
    getName(): string;
  }
  export interface State {
    name: string;
    code: number;
  }
  type Cb<T> = (err: ZkException | null, value: T, stat: Stat) => void;
  export interface Client {
    connect(): void;
    close(): void;
    getState(): State;
    on(event: 'state', listener: (s: State) => void): this;
    on(event: 'connected' | 'disconnected' | 'expired', listener: () => void): this;
    once(event: 'connected' | 'disconnected' | 'expired', listener: () => void): this;
    create(path: string, data: Buffer | null, mode: number, cb: Cb<string>): void;
    getData(path: string, cb: Cb<Buffer | undefined>): void;
    setData(path: string, data: Buffer | null, version: number, cb: Cb<Stat>): void;
    getChildren(path: string, cb: Cb<string[]>): void;
    mkdirp(path: string, cb: Cb<string>): void;
    /** Internal: the connection manager, whose queue sends a request record (see zk.ts `sync`). */
    connectionManager: { queue(request: unknown, cb: (err: ZkException | null) => void): void };
  }
  export interface Options {
    sessionTimeout?: number;
    spinDelay?: number;
    retries?: number;
  }
  export function createClient(connectionString: string, options?: Options): Client;
  export const CreateMode: {
    PERSISTENT: number;
    PERSISTENT_SEQUENTIAL: number;
    EPHEMERAL: number;
    EPHEMERAL_SEQUENTIAL: number;
  };
  export const State: Record<
    'DISCONNECTED' | 'SYNC_CONNECTED' | 'AUTH_FAILED' | 'CONNECTED_READ_ONLY' | 'EXPIRED',
    State
  >;
  export const Exception: Record<
    | 'OK'
    | 'CONNECTION_LOSS'
    | 'OPERATION_TIMEOUT'
    | 'NO_NODE'
    | 'BAD_VERSION'
    | 'NODE_EXISTS'
    | 'SESSION_EXPIRED'
    | 'NOT_EMPTY',
    number
  > & { create(code: number, path?: string): ZkException };
  const zookeeper: {
    createClient: typeof createClient;
    CreateMode: typeof CreateMode;
    State: typeof State;
    Exception: typeof Exception;
  };
  export default zookeeper;
}
