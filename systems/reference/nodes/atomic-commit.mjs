// atomic-commit: accounts are sharded across the nodes (account a lives on node a mod N); every node is
// a participant for its shard and coordinates the transfers its clients ask for. A transfer touches two
// accounts, usually on two shards. Reads lock every shard for a moment, so they see a consistent cut.
// Modes:
//   2pc          prepare (lock, check funds, persist, vote) → the coordinator logs its decision to a file,
//                then sends it. A participant that voted yes holds its locks until it learns the outcome
//                (it keeps asking the coordinator; an unknown transaction of a live coordinator is
//                presumed aborted). Safe under crashes and partitions; blocks while the coordinator is
//                unreachable.
//   2pc-timeout  as 2pc, but a prepared participant waits passively for the decision and, when none has
//                come within preparedTimeoutMs, aborts on its own — while the coordinator may have
//                decided commit.
//   3pc          prepare → pre-commit → commit. A participant that times out runs the termination
//                protocol with the co-participants it can reach: commit if any is pre-committed or
//                committed, else abort. Non-blocking under crashes; under partitions each side decides
//                alone and they can disagree.
// State (balances, prepared transactions, decisions) survives a kill: it is written to files.
import { appendFileSync, readFileSync } from 'node:fs';
import { loadConfig, loadJson, log, rpc, saveJson, serve, stretch } from './lib.mjs';

const cfg = loadConfig();
const me = cfg.id;
const mode = cfg.mode;
const ACCOUNTS = cfg.opt('accounts', 5);
const INITIAL = cfg.opt('initialBalance', 20);
const ALLOW_NEGATIVE = cfg.options.allowNegative === true || cfg.options.allowNegative === 'true';
const RPC_TIMEOUT_MS = cfg.opt('rpcTimeoutMs', 500);
const PREPARED_TIMEOUT_MS = cfg.opt('preparedTimeoutMs', 600);
// Every peer call's timeout stretches with the measured round trips (lib.mjs stretch()); so does the
// prepared timeout, so that load alone does not make a participant give up — a fault still does.
const preparedTimeout = () => stretch(PREPARED_TIMEOUT_MS);
// Reads are harmless, so they get longer timeouts (and retries) than the transfer protocol.
const READ_TIMEOUT_MS = Math.max(1000, RPC_TIMEOUT_MS);
const READ_SCALE_MAX = 8;
/** A read keeps retrying (a shard busy or slow) while its caller waits, up to this long. */
const READ_BUDGET_MS = cfg.opt('readBudgetMs', 5000);
const STATE_FILE = `${cfg.dataDir}/participant.json`;
const DECISIONS_FILE = `${cfg.dataDir}/decisions.log`;

const ownerOf = (acct) => cfg.nodes[acct % cfg.nodes.length];

// ---- participant ----
const initial = { balances: {}, prepared: {} };
for (let a = 0; a < ACCOUNTS; a++) if (ownerOf(a).name === me) initial.balances[a] = INITIAL;
const state = loadJson(STATE_FILE, initial);
/** txid → monotonic time it was prepared (or this process started): for timeouts. */
const since = new Map(Object.keys(state.prepared).map((id) => [id, performance.now()]));
/** Read locks: id → expiry (monotonic). */
const readLocks = new Map();
const persist = () => saveJson(STATE_FILE, state);
if (Object.keys(state.prepared).length)
  log(`recovered prepared transactions: ${Object.keys(state.prepared)}`);

function readLocked() {
  const now = performance.now();
  for (const [id, until] of readLocks) if (until < now) readLocks.delete(id);
  return readLocks.size > 0;
}

const lockedAccounts = () => new Set(Object.values(state.prepared).flatMap((t) => t.ops.map((o) => o.acct)));

function prepare({ id, ops, coordinator, participants }) {
  if (state.prepared[id]) return { vote: 'yes' };
  if (readLocked()) return { vote: 'no', why: 'read in progress' };
  const locked = lockedAccounts();
  if (ops.some((o) => locked.has(o.acct))) return { vote: 'no', why: 'account locked' };
  for (const o of ops) {
    if (!ALLOW_NEGATIVE && state.balances[o.acct] + o.delta < 0)
      return { vote: 'no', why: 'insufficient funds' };
  }
  state.prepared[id] = { ops, coordinator, participants, phase: 'prepared' };
  since.set(id, performance.now());
  persist();
  return { vote: 'yes' };
}

/** Outcomes of transactions finished here (in memory, for the 3PC termination protocol). */
const outcomes = new Map();

function finish(id, decision, why) {
  const t = state.prepared[id];
  if (!t) return;
  outcomes.set(id, decision === 'commit' ? 'committed' : 'aborted');
  if (decision === 'commit') for (const o of t.ops) state.balances[o.acct] += o.delta;
  delete state.prepared[id];
  since.delete(id);
  persist();
  if (why) log(`${id}: ${decision} (${why})`);
}

// ---- coordinator ----
const decisions = new Map();
try {
  for (const line of readFileSync(DECISIONS_FILE, 'utf8').split('\n')) {
    const [id, d] = line.split(' ');
    if (id && (d === 'commit' || d === 'abort')) decisions.set(id, d);
  }
} catch {}
/** Transactions this process is still running (not yet decided). */
const active = new Set();
/** Decisions not yet acknowledged by every participant: id → {decision, nodes}. */
const undelivered = new Map();
let txCounter = 0;
const bootId = Math.floor(Math.random() * 1e9).toString(36);

function decide(id, d) {
  // Logged before anyone hears it: after a restart the coordinator still knows (see saveJson on fsync).
  appendFileSync(DECISIONS_FILE, `${id} ${d}\n`);
  decisions.set(id, d);
}

const call = (name, path, body, timeoutMs = RPC_TIMEOUT_MS, scaleMax = undefined) =>
  name === me
    ? Promise.resolve(local[path](body))
    : rpc(cfg.ipOf(name), cfg.port, path, body, timeoutMs, scaleMax);

async function deliver(id) {
  const u = undelivered.get(id);
  if (!u) return;
  await Promise.all(
    [...u.nodes].map((n) =>
      call(n, `/${u.decision}`, { id }).then(
        () => u.nodes.delete(n),
        () => {},
      ),
    ),
  );
  if (u.nodes.size === 0) undelivered.delete(id);
}

async function transfer({ from, to, amount }) {
  const id = `${me}.${bootId}.${++txCounter}`;
  const byNode = new Map();
  for (const o of [
    { acct: from, delta: -amount },
    { acct: to, delta: amount },
  ]) {
    const n = ownerOf(o.acct).name;
    byNode.set(n, [...(byNode.get(n) ?? []), o]);
  }
  const participants = [...byNode.keys()];
  active.add(id);
  let why = '';
  try {
    const votes = await Promise.all(
      participants.map((n) =>
        call(n, '/prepare', { id, ops: byNode.get(n), coordinator: me, participants }).then(
          (r) => r,
          (e) => ({ vote: 'no', why: `prepare: ${e?.message ?? e}` }),
        ),
      ),
    );
    const no = votes.find((v) => v.vote !== 'yes');
    if (no) {
      why = no.why;
      decide(id, 'abort');
    } else {
      if (mode === '3pc') {
        // Pre-commit, one participant after the other: those that acknowledge will commit on their own if
        // we go silent. A missing acknowledgement does not stop the commit (the participant terminates).
        for (const n of participants) await call(n, '/precommit', { id }).catch(() => {});
      }
      decide(id, 'commit');
    }
  } finally {
    active.delete(id);
  }
  const d = decisions.get(id);
  undelivered.set(id, { decision: d, nodes: new Set(participants) });
  await deliver(id);
  if (undelivered.has(id)) log(`${id}: ${d} not yet delivered to ${[...undelivered.get(id).nodes]}`);
  return d === 'commit' ? { type: 'ok' } : { type: 'fail', error: `aborted: ${why}` };
}

/**
 * A read retries (a shard busy with a prepared transaction, or slow) while its caller waits and for at
 * most READ_BUDGET_MS (readBudgetMs), so a final read after the heal keeps trying until the prepared
 * transactions left by the faults are resolved, however slow the machine. It has no effect, so
 * retrying is harmless.
 */
async function read(signal) {
  const until = performance.now() + READ_BUDGET_MS;
  let r;
  for (let i = 0; ; i++) {
    r = await readOnce();
    if (r.type === 'ok' || signal?.aborted || performance.now() > until) return r;
    await new Promise((res) => setTimeout(res, Math.min(500, 20 * 2 ** Math.min(i, 5))));
  }
}

async function readOnce() {
  const id = `r.${me}.${bootId}.${++txCounter}`;
  const t0 = performance.now();
  // Reads are harmless: they may stretch further than the protocol's calls (READ_SCALE_MAX), so that
  // they succeed on a machine too slow for any transfer. The participants hold the read lock for
  // leaseMs; the read is good only if it finished well within it.
  const leaseMs = 3 * stretch(READ_TIMEOUT_MS, READ_SCALE_MAX);
  const replies = await Promise.all(
    cfg.nodes.map((n) =>
      call(n.name, '/readlock', { id, leaseMs }, READ_TIMEOUT_MS, READ_SCALE_MAX).catch((e) => ({
        ok: false,
        why: e?.message ?? e,
      })),
    ),
  );
  for (const n of cfg.nodes) call(n.name, '/unlock', { id }).catch(() => {});
  const bad = replies.find((r) => !r.ok);
  if (bad) return { type: 'fail', error: `read: ${bad.why}` };
  if (performance.now() - t0 > leaseMs / 2) return { type: 'fail', error: 'read: too slow for its locks' };
  const balances = Array.from({ length: ACCOUNTS }, () => 0);
  for (const r of replies) for (const [a, b] of Object.entries(r.balances)) balances[Number(a)] = b;
  return { type: 'ok', value: balances };
}

// ---- recovery of prepared transactions ----
const termination = async (id, t) => {
  // 3PC termination among the co-participants this node can reach.
  const states = await Promise.all(
    t.participants.filter((n) => n !== me).map((n) => call(n, '/txstate', { id }).catch(() => undefined)),
  );
  const seen = states.filter(Boolean).map((s) => s.phase);
  if (t.phase === 'precommitted' || seen.includes('precommitted') || seen.includes('committed')) {
    return seen.includes('aborted') ? 'abort' : 'commit';
  }
  return 'abort';
};

/** A prepared transaction: ask its coordinator; without an answer, the mode decides what happens. */
async function resolvePrepared(id, t) {
  const age = () => performance.now() - (since.get(id) ?? performance.now());
  const timeoutMs = preparedTimeout();
  if (age() < timeoutMs / 2) return;
  // 2pc-timeout waits passively for the decision and gives up when it is late.
  if (mode === '2pc-timeout') {
    if (age() > timeoutMs) finish(id, 'abort', `no decision within ${timeoutMs} ms: timed out`);
    return;
  }
  let d;
  try {
    d = (await call(t.coordinator, '/decision', { id })).decision;
  } catch (e) {
    if (age() > 2000) log(`${id}: asking ${t.coordinator}: ${e?.message ?? e}`);
  }
  if (!state.prepared[id]) return;
  if (d === 'commit' || d === 'abort') finish(id, d, `asked ${t.coordinator}`);
  // 2pc waits for the coordinator however long it takes; the others decide once it stays silent.
  else if (d !== undefined || age() <= timeoutMs || mode === '2pc') return;
  else if (mode === '3pc') {
    const outcome = await termination(id, t);
    if (state.prepared[id]) finish(id, outcome, 'termination protocol');
  }
}

let polling = false;
const delivering = new Set();
setInterval(async () => {
  for (const id of undelivered.keys()) {
    if (delivering.has(id)) continue;
    delivering.add(id);
    deliver(id).finally(() => delivering.delete(id));
  }
  if (polling) return;
  polling = true;
  try {
    await Promise.all(Object.entries(state.prepared).map(([id, t]) => resolvePrepared(id, t)));
  } finally {
    polling = false;
  }
}, 100);

// ---- HTTP ----
const local = {
  '/prepare': prepare,
  '/precommit': ({ id }) => {
    const t = state.prepared[id];
    if (t && t.phase === 'prepared') {
      t.phase = 'precommitted';
      since.set(id, performance.now());
      persist();
    }
    return { ok: Boolean(t) };
  },
  '/commit': ({ id }) => {
    finish(id, 'commit');
    return { ok: true };
  },
  '/abort': ({ id }) => {
    finish(id, 'abort');
    return { ok: true };
  },
  '/txstate': ({ id }) => {
    const t = state.prepared[id];
    if (t) return { phase: t.phase };
    return { phase: outcomes.get(id) ?? 'unknown' };
  },
  '/decision': ({ id }) => {
    if (decisions.has(id)) return { decision: decisions.get(id) };
    if (active.has(id)) return { decision: 'pending' };
    // Presumed abort: this coordinator is not running it and never decided it, so it never will.
    decide(id, 'abort');
    return { decision: 'abort' };
  },
  '/readlock': ({ id, leaseMs }) => {
    if (Object.keys(state.prepared).length > 0) {
      const old = Object.entries(state.prepared).filter(([i]) => performance.now() - since.get(i) > 1000);
      if (old.length)
        log(`read refused: prepared for over 1 s: ${old.map(([i, t]) => `${i}@${t.coordinator}`)}`);
      return { ok: false, why: 'transaction in progress' };
    }
    readLocks.set(id, performance.now() + (leaseMs ?? 3 * stretch(READ_TIMEOUT_MS)));
    return { ok: true, balances: state.balances };
  },
  '/unlock': ({ id }) => {
    readLocks.delete(id);
    return { ok: true };
  },
};

serve(cfg.port, {
  ...Object.fromEntries(Object.entries(local).map(([p, f]) => [p, async (b) => f(b)])),
  '/health': async () => ({ ok: true, id: me }),
  '/status': async () => ({
    id: me,
    balances: state.balances,
    prepared: Object.fromEntries(
      Object.entries(state.prepared).map(([id, t]) => [
        id,
        { ...t, ageMs: performance.now() - (since.get(id) ?? 0) },
      ]),
    ),
    active: [...active],
    timeouts: { rpcMs: stretch(RPC_TIMEOUT_MS), preparedMs: preparedTimeout() },
    undelivered: [...undelivered.keys()],
  }),
  '/client': async ({ workload, f, value }, { signal }) => {
    if (workload === 'bank' && f === 'transfer') return transfer(value);
    if (workload === 'bank' && f === 'read') return read(signal);
    return { type: 'fail', error: `atomic-commit: unsupported ${workload} ${f}` };
  },
});
log(`atomic-commit ${mode} node ${me} listening on ${cfg.port}`);
