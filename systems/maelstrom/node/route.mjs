// The pure part of the Maelstrom shim (shim.mjs): parsing the node's lines and deciding where each of its
// messages goes. No I/O, so unit tests import it directly. Plain ES module, no dependencies, Node >= 18.

/** The client id the shim sends `init` from (Maelstrom's own controller uses c0 too). */
export const INIT_CLIENT = 'c0';

/**
 * Parses one line of Maelstrom JSON: `{src, dest, body: {type, ...}}`. Returns `{msg}` or `{error}`
 * (a line that is not a message, e.g. a debug print on stdout).
 */
export function parseMessage(line) {
  const text = line.trim();
  if (!text) return { error: 'empty line' };
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return { error: 'not a JSON object' };
  if (typeof msg.src !== 'string' || typeof msg.dest !== 'string') return { error: 'no string src/dest' };
  if (!msg.body || typeof msg.body !== 'object' || typeof msg.body.type !== 'string')
    return { error: 'no body.type' };
  return { msg };
}

/**
 * Where a message the node wrote on stdout goes:
 * - `init`: the reply to the shim's own init (dest c0);
 * - `self`: back into the node's stdin (dest is the node itself);
 * - `peer`: to the shim of another node (`to` names it), over TCP between the nodes' IPs;
 * - `client`: to a client connected to this shim (`to` is the client id), when the shim knows one;
 * - `drop`: nobody to deliver to (`why` says so).
 * `nodeIds`: every node's id; `clients`: the ids of the clients currently connected here.
 */
export function routeFromNode(msg, self, nodeIds, clients) {
  const dest = msg.dest;
  if (dest === INIT_CLIENT) return { kind: 'init' };
  if (dest === self) return { kind: 'self' };
  if (nodeIds.includes(dest)) return { kind: 'peer', to: dest };
  if (clients.has(dest)) return { kind: 'client', to: dest };
  return { kind: 'drop', why: `no node or connected client ${dest}` };
}

/**
 * What the shim does with a message that arrived over TCP (from a client or another node's shim):
 * deliver it to the node when it is addressed to it (`deliver`, with `client` set when the sender is a
 * client whose connection the reply must go back to), else drop it.
 */
export function routeFromNetwork(msg, self, nodeIds) {
  if (msg.dest !== self) return { kind: 'drop', why: `addressed to ${msg.dest}, this is ${self}` };
  if (nodeIds.includes(msg.src)) return { kind: 'deliver' };
  return { kind: 'deliver', client: msg.src };
}

/** The init message the shim sends first (Maelstrom protocol: node_id, node_ids). */
export function initMessage(self, nodeIds) {
  return {
    src: INIT_CLIENT,
    dest: self,
    body: { type: 'init', msg_id: 1, node_id: self, node_ids: [...nodeIds] },
  };
}

/** Splits a stream into lines: feed chunks, get back the complete lines (the rest is kept). */
export function lineSplitter() {
  let buf = '';
  return (chunk) => {
    buf += chunk;
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    return parts;
  };
}
