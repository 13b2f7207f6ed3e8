// Shared helpers for the reference node programs: config, an HTTP/JSON server, peer RPC with timeouts.
// Plain ESM for Node >= 18, no dependencies. Wall-clock time only via Date.now() (the clock shim skews
// it); timeouts and heartbeats only via performance.now()/setTimeout (monotonic, never skewed).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';

/** { id, nodes: [{name, ip}], port, mode, options, dataDir } from the file named on the command line. */
let listenHost = '0.0.0.0';

export function loadConfig() {
  const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  // `host` (optional) binds one address, so several nodes can share a machine (127.0.0.1, .2, .3).
  if (cfg.host) listenHost = cfg.host;
  cfg.peers = cfg.nodes.filter((n) => n.name !== cfg.id);
  cfg.rank = (name) => cfg.nodes.findIndex((n) => n.name === name);
  cfg.ipOf = (name) => cfg.nodes.find((n) => n.name === name)?.ip;
  cfg.opt = (k, d) => (cfg.options[k] === undefined ? d : Number(cfg.options[k]));
  return cfg;
}

export function log(...args) {
  console.log(`${(performance.now() / 1000).toFixed(3)}`, ...args);
}

/** routes: path → async (body) => reply object. A thrown error answers 500 with {type:'info'}. */
export function serve(port, routes, host = listenHost) {
  const server = http.createServer(async (req, res) => {
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
        out = await h(raw ? JSON.parse(raw) : {});
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

/** POST body to a peer; resolves its JSON reply, rejects on timeout, refusal or a non-200 answer. */
export async function rpc(ip, port, path, body, timeoutMs) {
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
