// A tiny key-value server over HTTP: the example system under test of a `faultline init` project.
// Replace it with your own system (and change test.ts to match).
//
//   node server.mjs config.json      config: { node, peers: [{ name, ip }], port, dataDir }
//
// Every node takes client ops (POST /op, body { f, value }, answered with the op's completion
// { type: 'ok' | 'fail' | 'info', value?, error? }) and forwards them to the primary, the first peer,
// which applies them to a JSON file in dataDir (written before answering, so a killed primary loses no
// acknowledged write). Ops are register ops on independent keys: read [k, null] → [k, v]; write [k, v];
// cas [k, [from, to]] fails unless the value is `from`. POST /health answers once the server listens.
// `node server.mjs --version` prints the server's version (recorded in the run's test.json).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

/** This server's version: faultline records it through the System's version(). */
const VERSION = 'kv 1.0.0';
if (process.argv[2] === '--version') {
  console.log(VERSION);
  process.exit(0);
}

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const primary = config.peers[0];
const isPrimary = primary.name === config.node;
const dataFile = `${config.dataDir}/data.json`;
const data = existsSync(dataFile) ? JSON.parse(readFileSync(dataFile, 'utf8')) : {};

function save() {
  writeFileSync(`${dataFile}.tmp`, JSON.stringify(data));
  renameSync(`${dataFile}.tmp`, dataFile);
}

/** Applies one op at the primary. */
function apply({ f, value }) {
  const [k, v] = value;
  const key = String(k);
  const current = data[key] ?? null;
  if (f === 'read') return { type: 'ok', value: [k, current] };
  if (f === 'write') {
    data[key] = v;
    save();
    return { type: 'ok', value };
  }
  if (f === 'cas') {
    const [from, to] = v;
    if (current !== from) return { type: 'fail', error: 'cas mismatch' };
    data[key] = to;
    save();
    return { type: 'ok', value };
  }
  return { type: 'fail', error: `unknown op ${f}` };
}

/** Forwards an op to the primary. A refused connection certainly did not apply it (fail); a lost answer
 * may have (info), except for a read, which changes nothing. */
async function forward(op) {
  try {
    const res = await fetch(`http://${primary.ip}:${config.port}/op`, {
      method: 'POST',
      body: JSON.stringify(op),
      signal: AbortSignal.timeout(2000),
    });
    return await res.json();
  } catch (err) {
    const refused = err?.cause?.code === 'ECONNREFUSED';
    return {
      type: refused || op.f === 'read' ? 'fail' : 'info',
      error: `primary unreachable: ${err.message}`,
    };
  }
}

createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  let reply = { ok: true, node: config.node };
  if (req.url === '/op') {
    const op = JSON.parse(body);
    reply = isPrimary ? apply(op) : await forward(op);
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(reply));
}).listen(config.port, () => console.log(`${config.node}: listening on ${config.port}`));
