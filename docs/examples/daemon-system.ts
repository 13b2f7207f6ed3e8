/**
 * docs/your-system.md, example 3: a system that runs a real server process on cluster nodes, so that
 * faults reach it. The server is a small Python key-value store (any language works: faultline starts a
 * program and talks to it over the network). It keeps its data in a file, written and fsynced before it
 * answers, so a kill -9 loses nothing acknowledged.
 *
 *   npx faultline run docs/examples/daemon-system.ts --flavour hostroot                     # the custom nemesis below
 *   npx faultline run docs/examples/daemon-system.ts --flavour hostroot --nemesis kill,pause  # built-in fault families
 *
 * In your own project, import from 'faultline' instead of '../../src/index.ts'.
 */
import {
  type Client,
  type Completion,
  cycle,
  type DaemonSpec,
  defineTest,
  type FaultKind,
  isRunning,
  killDaemon,
  type NemesisPackage,
  type NodeRef,
  once,
  pauseDaemon,
  type Remote,
  type RunContext,
  resumeDaemon,
  type SystemDescriptor,
  seq,
  sleep,
  startDaemon,
  stopDaemon,
} from '../../src/index.ts';

const PORT = 8000;
const DIR = '/var/lib/tinykv';
const LOG = '/var/log/tinykv.log';

/** The server: POST /read {key}, /write {key, value}, /cas {key, from, to}; GET /version. Single-threaded. */
const SERVER_PY = `
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
DATA = os.path.join(sys.argv[1], 'state.json')
state = json.load(open(DATA)) if os.path.exists(DATA) else {}
def save():
    tmp = DATA + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f); f.flush(); os.fsync(f.fileno())
    os.replace(tmp, DATA)
class H(BaseHTTPRequestHandler):
    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code); self.send_header('Content-Length', str(len(data))); self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.reply(200, {'version': 'tinykv-py 1.0'} if self.path == '/version' else {'ok': True})
    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        k = str(req['key'])
        if self.path == '/read': return self.reply(200, {'value': state.get(k)})
        if self.path == '/write':
            state[k] = req['value']; save(); return self.reply(200, {'ok': True})
        if self.path == '/cas':
            if state.get(k) != req['from']: return self.reply(200, {'ok': False})
            state[k] = req['to']; save(); return self.reply(200, {'ok': True})
        self.reply(404, {'error': self.path})
    def log_message(self, *a): pass
print('tinykv listening on', ${PORT}, flush=True)
HTTPServer(('0.0.0.0', ${PORT}), H).serve_forever()
`;

/** How the server is started on a node: through startDaemon, so kill/pause and clock faults reach it. */
const serverSpec: DaemonSpec = {
  name: 'tinykv', // pid file /run/faultline/tinykv.pid: what killDaemon, pauseDaemon… signal
  argv: ['/usr/bin/python3', `${DIR}/server.py`, DIR],
  logFile: LOG, // stdout and stderr; collected into the run folder at teardown (logFiles below)
};

function remoteOf(node: NodeRef): Remote {
  if (!node.remote) throw new Error(`tinykv: node ${node.name} has no remote`);
  return node.remote;
}

/** Starts the server unless it runs, then waits until it answers (at most `timeoutMs`). */
async function startServer(remote: Remote, timeoutMs: number): Promise<void> {
  if (!(await isRunning(remote, serverSpec.name))) await startDaemon(remote, serverSpec);
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`http://${remote.ip}:${PORT}/version`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until)
      throw new Error(`${remote.name}: tinykv not answering after ${timeoutMs} ms (see ${LOG})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when the request certainly never reached the server (so the op did not happen: `fail`). */
const notSent = (err: unknown) =>
  ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'].includes(
    ((err as { cause?: { code?: string } }).cause?.code ?? '') as string,
  );

/** A register client on one node: ok when the server answered, fail when it never got the request, info otherwise. */
function tinyClient(remote: Remote): Client {
  const post = async (path: string, body: unknown, signal: AbortSignal) => {
    const r = await fetch(`http://${remote.ip}:${PORT}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal,
    });
    return (await r.json()) as { value?: unknown; ok?: boolean };
  };
  return {
    async invoke(op, signal): Promise<Completion> {
      const [key, arg] = op.value as [unknown, unknown];
      try {
        switch (op.f) {
          case 'read':
            return { type: 'ok', value: [key, (await post('/read', { key }, signal)).value ?? null] };
          case 'write':
            await post('/write', { key, value: arg }, signal);
            return { type: 'ok' };
          case 'cas': {
            const [from, to] = arg as [unknown, unknown];
            const r = await post('/cas', { key, from, to }, signal);
            return r.ok ? { type: 'ok' } : { type: 'fail', error: 'cas: value differs' };
          }
          default:
            return { type: 'fail', error: `tinykv has no op ${op.f}` };
        }
      } catch (err) {
        // A read changes nothing, so a read that failed in any way may be called `fail`.
        if (notSent(err) || op.f === 'read') return { type: 'fail', error: String(err) };
        // Timed out or cut mid-request: the write may or may not have happened.
        return { type: 'info', error: String(err) };
      }
    },
    async close() {},
  };
}

export const tinyKvServer: SystemDescriptor = {
  name: 'tinykv-py',
  description: 'a Python key-value server, one per node (docs/your-system.md)',
  modes: ['default'],
  create: () => ({
    name: 'tinykv-py',
    needsCluster: true,
    packages: ['python3'], // installed into the Debian node image
    async setup(_test, node) {
      const remote = remoteOf(node);
      await remote.run(['rm', '-rf', DIR]);
      await remote.upload(`${DIR}/server.py`, SERVER_PY);
      await startServer(remote, 30_000);
    },
    async teardown(_test, node) {
      if (node.remote) await stopDaemon(node.remote, serverSpec.name, 2000);
    },
    // The kill, pause and crash fault families call these.
    start: async (_test, node) => startServer(remoteOf(node), 30_000),
    kill: async (_test, node) => void (await killDaemon(remoteOf(node), serverSpec.name)),
    pause: async (_test, node) => void (await pauseDaemon(remoteOf(node), serverSpec.name)),
    resume: async (_test, node) => void (await resumeDaemon(remoteOf(node), serverSpec.name)),
    logFiles: () => [LOG],
    // Every node serves its own data: each is a primary (what `--opt killTargets=primaries` aims at).
    primaries: async (test: RunContext) => test.nodes,
    async version(test) {
      const r = await fetch(`http://${test.remotes[0]!.ip}:${PORT}/version`, {
        signal: AbortSignal.timeout(2000),
      });
      return ((await r.json()) as { version?: string }).version;
    },
    clients: { register: async (_test, node) => tinyClient(remoteOf(node)) },
  }),
};

/** The kill fault as data: the report and dashboard draw a window from `kill` to `start` on the nodes named. */
const killFaults: FaultKind[] = [
  {
    family: 'kill',
    start: ['kill'],
    stop: ['start'],
    events: [],
    value: { kind: 'nodes', nodeState: 'killed' },
    valueDoc: '{nodes: string[]}',
    color: '#d64541',
  },
];

const KILL_N1 = { f: 'kill', value: { nodes: ['n1'] } };
const START_N1 = { f: 'start', value: { nodes: ['n1'] } };

/**
 * A nemesis package of your own: kill -9 the server on n1 every few seconds and start it again a
 * second later. `invoke` does the fault and answers like a client: ok when it took effect, info otherwise (a
 * nemesis op that is not ok fails the run: a fault that did not happen never passes).
 */
export const killLoop: NemesisPackage = {
  nemesis: {
    name: 'kill-loop',
    fs: ['kill', 'start'],
    async invoke(test, op) {
      const { nodes } = op.value as { nodes: string[] };
      const remotes = test.remotes.filter((r) => nodes.includes(r.name));
      for (const r of remotes) {
        if (op.f === 'kill') await killDaemon(r, serverSpec.name);
        else await startServer(r, 30_000);
      }
      const running = await Promise.all(remotes.map((r) => isRunning(r, serverSpec.name)));
      const inEffect = op.f === 'kill' ? running.every((x) => !x) : running.every((x) => x);
      return inEffect ? { type: 'ok', value: op.value } : { type: 'info', error: 'fault not in effect' };
    },
    // Heals whatever is left (runs at teardown, even after errors; must not throw).
    async teardown(test) {
      await Promise.allSettled(test.remotes.map((r) => startServer(r, 30_000)));
    },
  },
  // Seconds, as Jepsen's: run 2 s, kill n1's server, leave it down 1 s, start it; again and again.
  generator: cycle(seq(sleep(2), once(KILL_N1), sleep(1), once(START_N1))),
  // After the main phase: bring everything back before the final reads.
  finalGenerator: once(START_N1),
  faults: killFaults,
};

export default defineTest({
  name: 'tinykv-register',
  system: tinyKvServer,
  workload: 'register',
  nemesis: killLoop,
  nodes: 1,
  concurrency: 4,
  timeLimit: 6,
  rate: 50,
  recoveryTime: 1,
  opTimeout: 2,
});
