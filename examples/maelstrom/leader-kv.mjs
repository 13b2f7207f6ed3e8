#!/usr/bin/env node
// A correct Maelstrom node for lin-kv and g-set, in JavaScript: every request goes to one leader (the
// first node id), which applies requests one at a time and saves its state to a file before answering,
// so a kill loses nothing. Other nodes forward requests to it and relay the answer. Under a partition
// a request that cannot reach the leader is never answered: the client times out (an indefinite
// outcome), which is honest. Usage: node leader-kv.mjs <data-dir>   (Maelstrom protocol on stdin/stdout)
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';

const dataDir = process.argv[2] ?? '.';
const stateFile = `${dataDir}/state.json`;
const state = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : { kv: {}, set: [] };

let me;
let leader;
let nextId = 1;
/** msg_id of a forwarded request → the client and msg_id to answer. */
const forwarded = new Map();

const send = (dest, body) => process.stdout.write(`${JSON.stringify({ src: me, dest, body })}\n`);

function save() {
  const tmp = `${stateFile}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, JSON.stringify(state));
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, stateFile);
}

/** The leader's answer to one request body. */
function apply(body) {
  const k = String(body.key);
  switch (body.type) {
    case 'read':
      if (body.key === undefined) return { type: 'read_ok', value: state.set };
      if (!(k in state.kv)) return { type: 'error', code: 20, text: 'key does not exist' };
      return { type: 'read_ok', value: state.kv[k] };
    case 'write':
      state.kv[k] = body.value;
      save();
      return { type: 'write_ok' };
    case 'cas':
      if (!(k in state.kv)) return { type: 'error', code: 20, text: 'key does not exist' };
      if (JSON.stringify(state.kv[k]) !== JSON.stringify(body.from))
        return { type: 'error', code: 22, text: `expected ${body.from}, had ${state.kv[k]}` };
      state.kv[k] = body.to;
      save();
      return { type: 'cas_ok' };
    case 'add':
      if (!state.set.includes(body.element)) state.set.push(body.element);
      save();
      return { type: 'add_ok' };
    default:
      return { type: 'error', code: 10, text: `unsupported ${body.type}` };
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { src, body } = JSON.parse(line);
  if (body.type === 'init') {
    me = body.node_id;
    leader = [...body.node_ids].sort()[0];
    send(src, { type: 'init_ok', in_reply_to: body.msg_id });
  } else if (body.in_reply_to !== undefined) {
    // The leader's answer to a request this node forwarded: relay it to the client.
    const f = forwarded.get(body.in_reply_to);
    if (!f) continue;
    forwarded.delete(body.in_reply_to);
    send(f.client, { ...body, in_reply_to: f.msgId });
  } else if (me === leader) {
    send(src, { ...apply(body), in_reply_to: body.msg_id });
  } else {
    const id = nextId++;
    forwarded.set(id, { client: src, msgId: body.msg_id });
    // A request the leader never answers (partition) is forgotten after a minute.
    setTimeout(() => forwarded.delete(id), 60_000).unref();
    send(leader, { ...body, msg_id: id });
  }
}
