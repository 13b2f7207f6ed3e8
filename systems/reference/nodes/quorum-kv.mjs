// quorum-kv: Dynamo-style. Every node holds a replica of every key as {v, version: [counter, node]} and
// keeps the larger version. The node a client talks to coordinates: a write sends the new version to all
// N replicas and answers after W acknowledgements; a read asks all N and answers with the highest
// version among the first R replies.
// Mode quorum: the writer's version comes from its own Lamport clock; no read repair. R + W <= N reads
// stale values; R + W > N still is not linearizable when a write reaches only some replicas (it is
// reported indeterminate, yet later reads see it or not depending on which replicas answer first).
// Mode abd: the ABD atomic register — a write first asks a majority for the highest version, and a read
// writes the value it is about to return back to a majority before answering. Linearizable.
import { cmpStamp, loadConfig, log, quorum, rpc, serve } from './lib.mjs';

const cfg = loadConfig();
const me = cfg.id;
const abd = cfg.mode === 'abd';
const N = cfg.nodes.length;
const majority = Math.floor(N / 2) + 1;
const R = abd ? Math.max(majority, cfg.opt('r', majority)) : cfg.opt('r', majority);
const W = abd ? Math.max(majority, cfg.opt('w', majority)) : cfg.opt('w', majority);
const PEER_TIMEOUT_MS = cfg.opt('peerTimeoutMs', 500);

/** key → {v, version: [counter, node]} */
const store = new Map();
let clock = 0;
const ZERO = { v: null, version: [0, ''] };

function get(key) {
  const e = store.get(key) ?? ZERO;
  clock = Math.max(clock, e.version[0]);
  return e;
}

function put(key, v, version) {
  clock = Math.max(clock, version[0]);
  const cur = store.get(key);
  if (!cur || cmpStamp(version, cur.version) > 0) store.set(key, { v, version });
}

// The coordinator's own replica answers in-process; the others over HTTP.
function call(node, path, body) {
  if (node.name !== me) return rpc(node.ip, cfg.port, path, body, PEER_TIMEOUT_MS);
  if (path === '/get') return Promise.resolve(get(body.key));
  put(body.key, body.v, body.version);
  return Promise.resolve({ ok: true });
}

const highest = (replies) =>
  replies.map((r) => r.reply).reduce((a, b) => (cmpStamp(b.version, a.version) > 0 ? b : a), ZERO);

async function write(key, v) {
  let counter = clock + 1;
  if (abd) {
    const q = await quorum(cfg.nodes, (n) => call(n, '/get', { key }), majority);
    if (!q.ok) return { type: 'fail', error: 'abd: no majority for the version query' };
    counter = highest(q.replies).version[0] + 1;
  }
  const version = [counter, me];
  const q = await quorum(cfg.nodes, (n) => call(n, '/put', { key, v, version }), W);
  return q.ok ? { type: 'ok' } : { type: 'info', error: `only ${q.replies.length} of W=${W} acknowledged` };
}

async function read(key) {
  const q = await quorum(cfg.nodes, (n) => call(n, '/get', { key }), R);
  if (!q.ok) return { type: 'fail', error: `only ${q.replies.length} of R=${R} replied` };
  const best = highest(q.replies);
  if (abd && best.version[0] > 0) {
    // Write back before answering, so no later read can return anything older.
    const wb = await quorum(cfg.nodes, (n) => call(n, '/put', { key, ...best }), majority);
    if (!wb.ok) return { type: 'fail', error: 'abd: write-back did not reach a majority' };
  }
  return { type: 'ok', value: best.v };
}

serve(cfg.port, {
  '/health': async () => ({ ok: true, id: me, R, W }),
  '/get': async ({ key }) => get(key),
  '/put': async ({ key, v, version }) => {
    put(key, v, version);
    return { ok: true };
  },
  '/client': async ({ workload, f, value }) => {
    if (workload === 'register') {
      const [k, v] = value;
      if (f === 'read') {
        const r = await read(String(k));
        return r.type === 'ok' ? { type: 'ok', value: [k, r.value] } : r;
      }
      if (f === 'write') return write(String(k), v);
    }
    return { type: 'fail', error: `quorum-kv: unsupported ${workload} ${f}` };
  },
});
log(`quorum-kv ${cfg.mode} node ${me} (N=${N} R=${R} W=${W}) listening on ${cfg.port}`);
