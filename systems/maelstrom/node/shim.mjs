// The Maelstrom shim: runs on each node (`node shim.mjs config.json`), started by faultline through
// startDaemon. It spawns the user's node binary, sends it `init`, then routes the JSON lines the binary
// writes on stdout: to other nodes' shims over TCP between the nodes' real IPs (so partitions, packet
// faults and kills cut them), back into its own stdin, or to the client connection that sent the
// request. It listens for clients and peer shims on `port` once the binary answered init_ok.
// Plain ES module, no dependencies, Node >= 18. Routing decisions live in route.mjs (pure, unit-tested).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { initMessage, lineSplitter, parseMessage, routeFromNetwork, routeFromNode } from './route.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const self = config.node;
const nodeIds = config.nodes.map((n) => n.name);
const ipOf = new Map(config.nodes.map((n) => [n.name, n.ip]));
const log = (s) => process.stderr.write(`${new Date().toISOString()} shim ${self}: ${s}\n`);

/** Messages queued per peer while its connection is being made; beyond this they are dropped. */
const MAX_QUEUE = 10_000;

const child = spawn(config.argv[0], config.argv.slice(1), {
  stdio: ['pipe', 'pipe', 'inherit'],
  env: { ...process.env, ...(config.env ?? {}) },
  cwd: config.cwd,
});
child.on('error', (err) => {
  log(`cannot run ${config.argv[0]}: ${err.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  log(`node program exited (${signal ? `signal ${signal}` : `code ${code}`})`);
  process.exit(code ?? 1);
});
child.stdin.on('error', (err) => log(`node program's stdin: ${err.message}`));

const toNode = (msg) => child.stdin.write(`${JSON.stringify(msg)}\n`);

/** Client id → its socket (a reply is written to the connection the request came on). */
const clients = new Map();

/** Peer id → { socket, ready, queue }: one outgoing connection per peer, made on first use. */
const peers = new Map();

function sendToPeer(to, line) {
  let p = peers.get(to);
  if (!p) {
    const socket = net.connect({ host: ipOf.get(to), port: config.port });
    socket.setNoDelay(true);
    p = { socket, ready: false, queue: [] };
    peers.set(to, p);
    const entry = p;
    socket.on('connect', () => {
      entry.ready = true;
      for (const l of entry.queue) socket.write(l);
      entry.queue = [];
    });
    // A lost connection drops what was queued (the network may lose messages); the next message
    // reconnects. Replies from peers never come on this socket: they come on the peer's own connection.
    const gone = () => {
      if (peers.get(to) === entry) peers.delete(to);
    };
    socket.on('error', (err) => {
      log(`peer ${to}: ${err.message}`);
      gone();
    });
    socket.on('close', gone);
    socket.on('data', () => {});
  }
  if (p.ready) p.socket.write(line);
  else if (p.queue.length < MAX_QUEUE) p.queue.push(line);
}

let listening = false;
const fromNode = lineSplitter();
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  for (const line of fromNode(chunk)) {
    const { msg, error } = parseMessage(line);
    if (!msg) {
      if (line.trim()) log(`stdout line ignored (${error}): ${line.slice(0, 200)}`);
      continue;
    }
    const r = routeFromNode(msg, self, nodeIds, clients);
    if (r.kind === 'init') {
      if (msg.body.type === 'init_ok' && !listening) listen();
      else if (msg.body.type !== 'init_ok') log(`init answered with ${JSON.stringify(msg.body)}`);
    } else if (r.kind === 'self') toNode(msg);
    else if (r.kind === 'peer') sendToPeer(r.to, `${JSON.stringify(msg)}\n`);
    else if (r.kind === 'client') clients.get(r.to).write(`${JSON.stringify(msg)}\n`);
    // A reply to a client that went away (timed out, reconnected): as lost on a real network.
  }
});

function listen() {
  listening = true;
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    const split = lineSplitter();
    const mine = new Set();
    socket.on('data', (chunk) => {
      for (const line of split(chunk)) {
        const { msg, error } = parseMessage(line);
        if (!msg) {
          if (line.trim()) log(`network line ignored (${error})`);
          continue;
        }
        const r = routeFromNetwork(msg, self, nodeIds);
        if (r.kind === 'drop') continue;
        if (r.client !== undefined) {
          clients.set(r.client, socket);
          mine.add(r.client);
        }
        toNode(msg);
      }
    });
    const forget = () => {
      for (const c of mine) if (clients.get(c) === socket) clients.delete(c);
    };
    socket.on('error', forget);
    socket.on('close', forget);
  });
  server.on('error', (err) => {
    log(`cannot listen on ${config.port}: ${err.message}`);
    process.exit(1);
  });
  // On this node's own address (not 0.0.0.0): several shims can then share a port on one machine's
  // loopback addresses (127.0.0.1, 127.0.0.2, …), which the tests use.
  const host = ipOf.get(self);
  server.listen(config.port, host, () => log(`node answered init; listening on ${host}:${config.port}`));
}

for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => {
    child.kill('SIGTERM');
    process.exit(0);
  });

toNode(initMessage(self, nodeIds));
log(`started ${config.argv.join(' ')}; sent init`);
