// Types of route.mjs (plain JS because it runs on the nodes as is): the TypeScript side imports these.

/** A Maelstrom message: `{src, dest, body: {type, msg_id?, in_reply_to?, …}}`. */
export interface MaelstromMessage {
  src: string;
  dest: string;
  body: { type: string; msg_id?: number; in_reply_to?: number; [key: string]: unknown };
}

/** The client id the shim sends `init` from. */
export declare const INIT_CLIENT: 'c0';

/** Parses one line of Maelstrom JSON; `{error}` for a line that is not a message. */
export declare function parseMessage(
  line: string,
): { msg: MaelstromMessage; error?: undefined } | { msg?: undefined; error: string };

/** Where a message the node wrote on stdout goes. */
export declare function routeFromNode(
  msg: MaelstromMessage,
  self: string,
  nodeIds: readonly string[],
  clients: { has(id: string): boolean },
):
  | { kind: 'init' }
  | { kind: 'self' }
  | { kind: 'peer'; to: string }
  | { kind: 'client'; to: string }
  | { kind: 'drop'; why: string };

/** What the shim does with a message that arrived over TCP. */
export declare function routeFromNetwork(
  msg: MaelstromMessage,
  self: string,
  nodeIds: readonly string[],
): { kind: 'deliver'; client?: string } | { kind: 'drop'; why: string };

/** The init message the shim sends first (node_id, node_ids). */
export declare function initMessage(self: string, nodeIds: readonly string[]): MaelstromMessage;

/** Splits a stream into lines: feed chunks, get back the complete lines. */
export declare function lineSplitter(): (chunk: string) => string[];
