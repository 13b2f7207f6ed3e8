// primary-backup: one primary serves reads and writes and replicates every write to the backups.
// Every node heartbeats every 100 ms; a backup that has not heard the primary for failoverMs takes over
// if it is the first live node in rank order, with a higher epoch. A deposed primary that hears a higher
// epoch steps down and copies the new primary's state, discarding whatever it had that the new one lacks.
// Modes: async (apply, ack, then replicate) and sync (ack only after every backup in the primary's view
// acknowledged; a backup leaves the view only when its process is provably gone — connection refused —
// never because it is merely unreachable, since it might then be the one taking over).
// A backup that learns a new epoch copies the primary's whole state (a snapshot) and keeps every write it
// acknowledged in that epoch: a snapshot is stamped with the primary's sequence number, a backup accepts
// only a snapshot newer than the last one it took and re-applies the writes it acknowledged that are
// newer than the snapshot, so a snapshot never rolls back a write the backup acknowledged.
import { cmpStamp, loadConfig, log, refused, rpc, serve, sortElements } from './lib.mjs';

const cfg = loadConfig();
const me = cfg.id;
const sync = cfg.mode === 'sync';
const HEARTBEAT_MS = 100;
const FAILOVER_MS = cfg.opt('failoverMs', 600);
const REPL_TIMEOUT_MS = cfg.opt('replTimeoutMs', 800);
// Replication and forwarding keep their configured timeouts unless --opt timeoutScaleMax is given: how
// long a cut-off primary's writes block decides how many stale reads it serves (stretched, its client
// threads sat in 3 s writes and the sync register scenario found stale reads in 1 of 3 loaded runs).
// Heartbeats, votes and snapshots stretch with the machine (lib.mjs).
const CLIENT_PATH_SCALE = cfg.options.timeoutScaleMax === undefined ? 1 : cfg.opt('timeoutScaleMax', 4);
const startedAt = performance.now();
const STARTUP_GRACE_MS = 2000;

let epoch = 0;
let primary = cfg.nodes[0].name;
/** sync mode: the backups the primary waits for. */
let view = new Set(cfg.peers.map((p) => p.name));
const lastHeard = new Map();
/** As primary: the sequence number of the last write this node applied (it only grows). */
let seq = 0;
/** key → {v, stamp: [epoch, seq]} */
let regs = new Map();
let set = new Set();
let synced = true;
/** One snapshot request at a time (a heartbeat every 100 ms would otherwise pile them up). */
let resyncing = false;
/**
 * As backup, for the current epoch: the primary's sequence number of the snapshot taken (-1: none yet),
 * and every write acknowledged while waiting for it. A snapshot taken at sequence s holds every write up
 * to s (the primary applies a write before replicating it); the acknowledged writes above s are
 * re-applied on top of it. One snapshot per epoch: once synced, every later write arrives by /replicate.
 * (Before: overlapping snapshot requests — one per heartbeat while a round trip took 0.7 s — and each
 * answer replacing the state: a snapshot answered before a write, accepted after the backup had
 * acknowledged that write, erased it, and the write was lost once this backup became primary.)
 */
let snapSeq = -1;
let acked = [];

const stampOf = (e, s) => [e, String(s).padStart(12, '0')];
// A restarted node first listens for a failover's higher epoch before acting as primary again.
const restarted = process.argv[3] === 'restart';
const isPrimary = () => primary === me && (!restarted || performance.now() - startedAt > FAILOVER_MS);

function applyOp(op) {
  if (op.kind === 'put') {
    const cur = regs.get(op.key);
    if (!cur || cmpStamp(op.stamp, cur.stamp) > 0) regs.set(op.key, { v: op.v, stamp: op.stamp });
  } else if (op.kind === 'add') set.add(op.x);
}

function adopt(e, p) {
  if (e > epoch || (e === epoch && p !== primary && cfg.rank(p) < cfg.rank(primary))) {
    if (primary === me && p !== me) log(`stepping down: epoch ${e} primary ${p}`);
    epoch = e;
    primary = p;
    snapSeq = -1;
    acked = [];
    if (p !== me) {
      synced = false;
      void resync();
    }
  }
}

async function resync() {
  if (resyncing) return;
  resyncing = true;
  const want = epoch;
  const from = primary;
  try {
    const s = await rpc(cfg.ipOf(from), cfg.port, '/state', { from: me, epoch: want }, 2000);
    // Only the first snapshot of this epoch and primary counts, and never one older than the last taken.
    if (s.epoch !== want || epoch !== want || primary !== from || primary === me || synced) return;
    if (typeof s.seq !== 'number' || s.seq <= snapSeq) return;
    regs = new Map(s.regs);
    set = new Set(s.set);
    snapSeq = s.seq;
    const newer = acked.filter((op) => op.seq > snapSeq);
    for (const op of newer) applyOp(op);
    acked = [];
    synced = true;
    log(
      `synced from ${primary} at epoch ${epoch} seq ${s.seq}: ${regs.size} keys, ${set.size} elements, ${newer.length} newer acknowledged writes kept`,
    );
  } catch {
    // Retried on the next heartbeat.
  } finally {
    resyncing = false;
  }
}

let electing = false;
/** The highest epoch this node has promised to a candidate: one vote per epoch. */
let votedEpoch = 0;

setInterval(() => {
  const now = performance.now();
  for (const p of cfg.peers) {
    rpc(p.ip, cfg.port, '/hb', { from: me, epoch, primary }, HEARTBEAT_MS * 3).then(
      (r) => adopt(r.epoch, r.primary),
      () => {},
    );
  }
  if (!synced) void resync();
  if (primary === me || electing || !synced || now - startedAt < STARTUP_GRACE_MS) return;
  if (now - (lastHeard.get(primary) ?? startedAt) <= FAILOVER_MS) return;
  // The first live node in rank order (other than the silent primary) stands for the next epoch.
  const live = cfg.nodes.filter(
    (n) => n.name === me || (n.name !== primary && now - (lastHeard.get(n.name) ?? -1e12) < FAILOVER_MS),
  );
  if (live[0]?.name === me) void elect();
}, HEARTBEAT_MS);

/**
 * Takes over only with votes from a majority (itself included), each node voting once per epoch, so no
 * two nodes own the same epoch. Only a synced node stands, and a node votes only for a candidate synced at
 * its own epoch or later: it has every write the last primary acked (sync mode) — in async mode,
 * whatever the old primary acked but had not yet sent is gone.
 */
async function elect() {
  electing = true;
  const next = Math.max(epoch, votedEpoch) + 1;
  votedEpoch = next;
  try {
    const votes = await Promise.all(
      cfg.peers.map((p) =>
        rpc(p.ip, cfg.port, '/vote', { from: me, epoch: next, synced: epoch }, 300).then(
          (r) => (r.granted ? p.name : undefined),
          () => undefined,
        ),
      ),
    );
    const granted = votes.filter(Boolean);
    if (granted.length + 1 < Math.floor(cfg.nodes.length / 2) + 1 || epoch >= next) return;
    log(`taking over from ${primary} at epoch ${next} with votes from ${granted.join(',')}`);
    epoch = next;
    primary = me;
    synced = true;
    view = new Set(granted);
  } finally {
    electing = false;
  }
}

/** Sends ops to the backups. sync: resolves true when every backup in the view acknowledged. */
async function replicate(ops) {
  const msg = { from: me, epoch, ops };
  const targets = sync ? [...view] : cfg.peers.map((p) => p.name);
  const results = await Promise.all(
    targets.map(async (name) => {
      try {
        const r = await rpc(cfg.ipOf(name), cfg.port, '/replicate', msg, REPL_TIMEOUT_MS, CLIENT_PATH_SCALE);
        if (!r.ok) adopt(r.epoch, r.primary);
        return r.ok === true;
      } catch (err) {
        // A refused connection proves the backup's process is gone: it will resync when it is back.
        if (sync && refused(err)) {
          view.delete(name);
          return true;
        }
        return false;
      }
    }),
  );
  return results.every(Boolean);
}

async function write(op) {
  seq++;
  const stamped = { ...op, seq, stamp: stampOf(epoch, seq) };
  applyOp(stamped);
  if (!sync) {
    void replicate([stamped]);
    return { type: 'ok' };
  }
  const all = await replicate([stamped]);
  if (primary !== me) return { type: 'info', error: 'deposed while replicating' };
  return all ? { type: 'ok' } : { type: 'info', error: 'not every backup acknowledged' };
}

/** A client op at the primary. Values: register [k, v] tuples; set elements. */
async function atPrimary(req) {
  const { workload, f, value } = req;
  if (workload === 'set') {
    if (f === 'add') return write({ kind: 'add', x: value });
    if (f === 'read') return { type: 'ok', value: sortElements(set) };
  } else if (workload === 'register') {
    const [k, v] = value;
    const key = String(k);
    if (f === 'read') return { type: 'ok', value: [k, regs.get(key)?.v ?? null] };
    if (f === 'write') return write({ kind: 'put', key, v });
    if (f === 'cas') {
      const [from, to] = v;
      if ((regs.get(key)?.v ?? null) !== from) return { type: 'fail', error: 'cas mismatch' };
      return write({ kind: 'put', key, v: to });
    }
  }
  return { type: 'fail', error: `primary-backup: unsupported ${workload} ${f}` };
}

const isWrite = (f) => f !== 'read';

serve(cfg.port, {
  '/health': async () => ({ ok: true, id: me }),
  '/status': async () => ({ id: me, epoch, primary, isPrimary: isPrimary(), view: [...view], synced }),
  '/hb': async (m) => {
    lastHeard.set(m.from, performance.now());
    adopt(m.epoch, m.primary);
    return { epoch, primary };
  },
  '/vote': async (m) => {
    if (m.epoch <= epoch || m.epoch <= votedEpoch) return { granted: false };
    // Never for a candidate synced at an older epoch than this node's: writes acknowledged in this
    // epoch (this node among the backups) may be missing from it. (A vote whose reply was lost could
    // otherwise let such a node stand with votedEpoch above the epoch it knows.)
    if (typeof m.synced !== 'number' || m.synced < epoch) return { granted: false };
    votedEpoch = m.epoch;
    return { granted: true };
  },
  '/state': async (m) => {
    if (primary === me && m.epoch === epoch) view.add(m.from);
    return { epoch, primary, seq, regs: [...regs], set: [...set] };
  },
  '/replicate': async (m) => {
    lastHeard.set(m.from, performance.now());
    if (m.epoch < epoch) return { ok: false, epoch, primary };
    adopt(m.epoch, m.from);
    // Applied at once; while the snapshot is awaited also kept, to be re-applied on top of it.
    for (const op of m.ops) {
      applyOp(op);
      if (!synced) acked.push(op);
    }
    return { ok: true };
  },
  '/client': async (req) => {
    if (isPrimary()) return atPrimary(req);
    if (req.forwarded || primary === me) return { type: 'fail', error: `${me} is not the primary` };
    // A backup forwards to the primary it believes in.
    try {
      return await rpc(
        cfg.ipOf(primary),
        cfg.port,
        '/client',
        { ...req, forwarded: true },
        1500,
        CLIENT_PATH_SCALE,
      );
    } catch (err) {
      const definite = refused(err) || !isWrite(req.f);
      return { type: definite ? 'fail' : 'info', error: `forward to ${primary}: ${err?.message ?? err}` };
    }
  },
});
log(`primary-backup ${cfg.mode} node ${me} listening on ${cfg.port}`);
