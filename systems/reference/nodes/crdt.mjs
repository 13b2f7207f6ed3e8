// crdt: state-based CRDTs replicated by gossip. Every node accepts every op locally and sends its whole
// state to every peer every 100 ms; merging is commutative, associative and idempotent, so replicas
// that have seen the same updates are equal, whatever the order or duplication of messages.
//   PN-counter: per-node increment and decrement totals; merge = per-node max; value = ΣP − ΣN.
//   OR-set: each add carries a unique tag (node:seq); a remove tombstones the tags it has seen;
//           merge = union of both; an element is present while it has a tag not tombstoned.
// State is in memory only (the test for this design uses partitions, not kills).
import { loadConfig, log, rpc, serve, sortElements } from './lib.mjs';

const cfg = loadConfig();
const me = cfg.id;
const GOSSIP_MS = cfg.opt('gossipMs', 100);

const P = {};
const N = {};
/** element (JSON) → Set of tags */
const adds = new Map();
const tombstones = new Set();
let seq = 0;

const counterValue = () =>
  Object.values(P).reduce((a, b) => a + b, 0) - Object.values(N).reduce((a, b) => a + b, 0);

function setValue() {
  const out = [];
  for (const [k, tags] of adds) if ([...tags].some((t) => !tombstones.has(t))) out.push(JSON.parse(k));
  return sortElements(out);
}

function merge(s) {
  for (const [n, v] of Object.entries(s.P)) P[n] = Math.max(P[n] ?? 0, v);
  for (const [n, v] of Object.entries(s.N)) N[n] = Math.max(N[n] ?? 0, v);
  for (const [k, tags] of s.adds) {
    const mine = adds.get(k) ?? new Set();
    for (const t of tags) mine.add(t);
    adds.set(k, mine);
  }
  for (const t of s.tombstones) tombstones.add(t);
}

setInterval(() => {
  const s = { P, N, adds: [...adds].map(([k, t]) => [k, [...t]]), tombstones: [...tombstones] };
  for (const p of cfg.peers) rpc(p.ip, cfg.port, '/gossip', s, 1000).catch(() => {});
}, GOSSIP_MS);

serve(cfg.port, {
  '/health': async () => ({ ok: true, id: me }),
  '/gossip': async (s) => {
    merge(s);
    return { ok: true };
  },
  '/client': async ({ workload, f, value }) => {
    if (workload === 'counter') {
      if (f === 'add') {
        const d = Number(value);
        if (d >= 0) P[me] = (P[me] ?? 0) + d;
        else N[me] = (N[me] ?? 0) - d;
        return { type: 'ok' };
      }
      if (f === 'read') return { type: 'ok', value: counterValue() };
    } else if (workload === 'set') {
      const k = JSON.stringify(value);
      if (f === 'add') {
        const tags = adds.get(k) ?? new Set();
        tags.add(`${me}:${++seq}`);
        adds.set(k, tags);
        return { type: 'ok' };
      }
      if (f === 'remove') {
        for (const t of adds.get(k) ?? []) tombstones.add(t);
        return { type: 'ok' };
      }
      if (f === 'read') return { type: 'ok', value: setValue() };
    }
    return { type: 'fail', error: `crdt: unsupported ${workload} ${f}` };
  },
});
log(`crdt node ${me} listening on ${cfg.port}`);
