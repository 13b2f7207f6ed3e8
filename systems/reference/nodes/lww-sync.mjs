// lww-sync: every node accepts reads and writes locally, stamps each value with (Date.now(), node id),
// gossips its whole state to every peer every 100 ms, and keeps the larger stamp. The set is one LWW
// value (the whole set, re-stamped on every add), as when a collection is stored as a blob.
// Under clock skew a write from a node whose clock runs behind carries a smaller stamp than the value it
// replaces, so it loses — silently: the client was told ok.
import { cmpStamp, loadConfig, log, rpc, serve, sortElements } from './lib.mjs';

const cfg = loadConfig();
const me = cfg.id;
const GOSSIP_MS = cfg.opt('gossipMs', 100);

/** key → {v, stamp: [wall ms, node]}; the set lives under the key "\u0000set". */
const data = new Map();
const SET_KEY = '\u0000set';

function put(key, v, stamp) {
  const cur = data.get(key);
  if (!cur || cmpStamp(stamp, cur.stamp) > 0) data.set(key, { v, stamp });
}

const localWrite = (key, v) => put(key, v, [Date.now(), me]);

setInterval(() => {
  const state = [...data];
  for (const p of cfg.peers) rpc(p.ip, cfg.port, '/gossip', { from: me, state }, 500).catch(() => {});
}, GOSSIP_MS);

serve(cfg.port, {
  '/health': async () => ({ ok: true, id: me }),
  '/gossip': async (m) => {
    for (const [k, e] of m.state) put(k, e.v, e.stamp);
    return { ok: true };
  },
  '/client': async ({ workload, f, value }) => {
    if (workload === 'set') {
      if (f === 'add') {
        const cur = data.get(SET_KEY)?.v ?? [];
        localWrite(SET_KEY, cur.includes(value) ? cur : [...cur, value]);
        return { type: 'ok' };
      }
      if (f === 'read') return { type: 'ok', value: sortElements(data.get(SET_KEY)?.v ?? []) };
    } else if (workload === 'register') {
      const [k, v] = value;
      if (f === 'read') return { type: 'ok', value: [k, data.get(String(k))?.v ?? null] };
      if (f === 'write') {
        localWrite(String(k), v);
        return { type: 'ok' };
      }
    }
    return { type: 'fail', error: `lww-sync: unsupported ${workload} ${f}` };
  },
});
log(`lww-sync node ${me} listening on ${cfg.port}`);
