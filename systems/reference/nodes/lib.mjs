// Shared helpers for the reference node programs: config, an HTTP/JSON server, peer RPC with timeouts.
// Plain ESM for Node >= 18, no dependencies. Wall-clock time only via Date.now() (the clock shim skews
// it); timeouts and heartbeats only via performance.now()/setTimeout (monotonic, never skewed).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

let listenHost = '0.0.0.0';

/** { id, nodes: [{name, ip}], port, mode, options, dataDir } from the file named on the command line. */
export function loadConfig() {
  const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  // `host` (optional) binds one address, so several nodes can share a machine (127.0.0.1, .2, .3).
  if (cfg.host) listenHost = cfg.host;
  cfg.peers = cfg.nodes.filter((n) => n.name !== cfg.id);
  cfg.rank = (name) => cfg.nodes.findIndex((n) => n.name === name);
  cfg.ipOf = (name) => cfg.nodes.find((n) => n.name === name)?.ip;
  cfg.opt = (k, d) => (cfg.options[k] === undefined ? d : Number(cfg.options[k]));
  // adaptiveTimeouts=false keeps every timeout at its configured value (to show how a loaded machine
  // then breaks the protocols); timeoutScaleMax caps how far a timeout may stretch.
  adaptive = !(cfg.options.adaptiveTimeouts === false || cfg.options.adaptiveTimeouts === 'false');
  maxScale = Math.max(1, cfg.opt('timeoutScaleMax', 4));
  return cfg;
}

export function log(...args) {
  console.log(`${(performance.now() / 1000).toFixed(3)}`, ...args);
}

/**
 * routes: path → async (body, {signal}) => reply object; `signal` aborts when the caller hung up before
 * the reply (a handler that retries can stop). A thrown error answers 500 with {type:'info'}.
 */
export function serve(port, routes, host = listenHost) {
  const server = http.createServer(async (req, res) => {
    const hangup = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) hangup.abort();
    });
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const h = routes[(req.url ?? '/').split('?')[0]];
    let status = 200;
    let out;
    if (!h) {
      status = 404;
      out = { type: 'fail', error: `no route ${req.url}` };
    } else {
      try {
        out = await h(raw ? JSON.parse(raw) : {}, { signal: hangup.signal });
      } catch (e) {
        status = 500;
        out = { type: 'info', error: String(e?.message ?? e) };
      }
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out ?? {}));
  });
  server.keepAliveTimeout = 10_000;
  server.listen(port, host);
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
  return server;
}

// ---- timeouts that follow the machine's speed ----
// On a loaded machine (2 shared cores, other test files running) every round trip stretches — event
// loops run late on both ends — and a fixed 250 ms timeout then fails every call: no prepare succeeds,
// no read succeeds, and a run proves nothing. So every node times its own peer calls and its own
// event-loop delay, and every protocol timeout becomes max(configured, RTT_FACTOR × the higher of the
// p95 round trip and the p99 loop delay), capped at timeoutScaleMax × configured. A call that timed out
// counts as a round trip of its timeout (it took at least that long: without it a machine where every
// call times out would never stretch anything); a refused one does not count. A partition therefore
// stretches the timeouts too, but only up to the cap: the timeout-born anomalies (2pc-timeout, 3pc)
// still happen when a fault outlasts the capped timeout — only load alone no longer decides them.
// (No probe traffic: it would perturb the system under test.)
let adaptive = true;
let maxScale = 4;
const RTT_FACTOR = 4;
const RTT_WINDOW = 64;
/** The last RTT_WINDOW answered peer calls' round trips, ms, oldest first. */
const rtts = [];
/** This process's event-loop delay, p99 over the last second, ms. */
let loopP99 = 0;
let lastLoggedScale = 1;
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
setInterval(() => {
  loopP99 = loop.percentile(99) / 1e6;
  loop.reset();
  const scale = stretch(1000) / 1000;
  if (scale >= 1.5 * lastLoggedScale || scale <= lastLoggedScale / 1.5) {
    log(
      `timeouts ×${scale.toFixed(2)} (p95 round trip ${rttP95().toFixed(0)} ms, loop delay p99 ${loopP99.toFixed(0)} ms)`,
    );
    lastLoggedScale = scale;
  }
}, 1000).unref();

/** The 95th percentile of the recent answered round trips to peers, ms (0 before any answer). */
export function rttP95() {
  if (rtts.length === 0) return 0;
  const s = [...rtts].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(0.95 * s.length))];
}

/**
 * A timeout of `floorMs` stretched to the machine's current speed: within [floorMs, scaleMax × floorMs]
 * (scaleMax: the timeoutScaleMax option unless given).
 */
export function stretch(floorMs, scaleMax = maxScale) {
  if (!adaptive) return floorMs;
  const slow = RTT_FACTOR * Math.max(rttP95(), loopP99);
  return Math.round(Math.min(floorMs * scaleMax, Math.max(floorMs, slow)));
}

function sample(ms) {
  rtts.push(ms);
  if (rtts.length > RTT_WINDOW) rtts.shift();
}

/**
 * POST body to a peer; resolves its JSON reply, rejects on timeout, refusal or a non-200 answer. The
 * timeout is `timeoutMs` stretched to the measured round trips (stretch(timeoutMs, scaleMax)); an
 * answered call is a round-trip sample, a timed-out one a sample of its timeout.
 */
export async function rpc(ip, port, path, body, timeoutMs, scaleMax = maxScale) {
  const t0 = performance.now();
  const limitMs = stretch(timeoutMs, scaleMax);
  try {
    const reply = await rawRpc(ip, port, path, body, limitMs);
    sample(performance.now() - t0);
    return reply;
  } catch (err) {
    if (err?.name === 'TimeoutError') sample(Math.max(limitMs, performance.now() - t0));
    throw err;
  }
}

async function rawRpc(ip, port, path, body, timeoutMs) {
  const r = await fetch(`http://${ip}:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = await r.json();
  if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}: ${json?.error ?? ''}`);
  return json;
}

/** True when the error proves the peer's process is not listening (the request was never delivered). */
export function refused(err) {
  for (let e = err; e; e = e.cause) if (e.code === 'ECONNREFUSED') return true;
  return false;
}

/**
 * Calls fn on every target at once and resolves as soon as `need` of them succeeded (with the replies so
 * far) or too many failed to ever reach `need` (with ok: false). Late replies are ignored.
 */
export function quorum(targets, fn, need) {
  return new Promise((resolve) => {
    const replies = [];
    let failed = 0;
    let done = false;
    if (need <= 0) return resolve({ ok: true, replies });
    for (const t of targets) {
      Promise.resolve()
        .then(() => fn(t))
        .then(
          (r) => {
            if (done) return;
            replies.push({ target: t, reply: r });
            if (replies.length >= need) {
              done = true;
              resolve({ ok: true, replies });
            }
          },
          () => {
            if (done) return;
            failed++;
            if (targets.length - failed < need) {
              done = true;
              resolve({ ok: false, replies });
            }
          },
        );
    }
  });
}

/**
 * Atomically replaces a JSON file (a killed process leaves the old or the new version, never half). Not
 * fsynced: process kills and container kills keep the host's page cache, and losing power is not one of
 * faultline's faults — while an fsync per vote on a shared disk stalls the event loop for tens of ms.
 */
export function saveJson(path, value) {
  writeFileSync(`${path}.tmp`, JSON.stringify(value));
  renameSync(`${path}.tmp`, path);
}

export function loadJson(path, fallback) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return fallback;
  }
}

/** Orders [number, string] stamps: first by the number, then by the string. */
export function cmpStamp(a, b) {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1;
}

export const sortElements = (xs) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
