/**
 * docs/your-system.md, example 1: a system defined in the test file itself. `tiny-kv` is an in-process
 * key-value map behind faultline's System and Client interfaces, tested with the built-in `register`
 * workload (reads, writes and compare-and-sets on independent keys, checked for linearizability).
 *
 *   npx faultline run docs/examples/in-process-kv.ts                       # honest: valid, exit 0
 *   npx faultline run docs/examples/in-process-kv.ts --mode stale-reads    # caught: invalid, exit 1
 *
 * In your own project, import from 'faultline' instead of '../../src/index.ts'.
 */
import {
  type Client,
  type Completion,
  defineTest,
  type Invocation,
  type System,
  type SystemDescriptor,
} from '../../src/index.ts';

/** The "server": one map per run. In `stale-reads` mode reads see the state from two writes ago. */
class TinyKv {
  private readonly now = new Map<string, unknown>();
  private readonly history: Map<string, unknown>[] = [];
  private readonly staleReads: boolean;
  constructor(staleReads: boolean) {
    this.staleReads = staleReads;
  }
  read(key: string): unknown {
    const view = this.staleReads ? (this.history.at(-2) ?? new Map()) : this.now;
    return view.get(key) ?? null;
  }
  write(key: string, value: unknown): void {
    this.now.set(key, value);
    this.history.push(new Map(this.now));
    if (this.history.length > 2) this.history.shift();
  }
}

/**
 * One client per worker thread. The register workload's op values are `[key, value]`:
 * read `[k, null]` → ok `[k, v]`; write `[k, v]` → ok; cas `[k, [from, to]]` → ok, or fail when the
 * register does not hold `from` (a `fail` means the op certainly did not take effect).
 */
function tinyClient(store: TinyKv): Client {
  return {
    async invoke(op: Invocation): Promise<Completion> {
      const [key, arg] = op.value as [unknown, unknown];
      const k = String(key);
      switch (op.f) {
        case 'read':
          return { type: 'ok', value: [key, store.read(k)] };
        case 'write':
          store.write(k, arg);
          return { type: 'ok' };
        case 'cas': {
          const [from, to] = arg as [unknown, unknown];
          if (store.read(k) !== from) return { type: 'fail', error: 'cas: value differs' };
          store.write(k, to);
          return { type: 'ok' };
        }
        default:
          return { type: 'fail', error: `tiny-kv has no op ${op.f}` };
      }
    },
    async close() {},
  };
}

/** The system as `--system`-like data: its modes and how to build it for one run. */
export const tinyKv: SystemDescriptor = {
  name: 'tiny-kv',
  description: "an in-process key-value map (docs/your-system.md's first example)",
  modes: ['honest', 'stale-reads'],
  create(mode: string): System {
    // create() runs once per run: a fresh store each time.
    const store = new TinyKv(mode === 'stale-reads');
    return {
      name: 'tiny-kv',
      needsCluster: false, // in-process: no nodes are provisioned, so no faults either
      async setup() {},
      async teardown() {},
      // Recorded in test.json (systemVersion), the report header and junit.xml.
      async version() {
        return 'tiny-kv 1.0.0';
      },
      clients: { register: async () => tinyClient(store) },
    };
  },
};

export default defineTest({
  name: 'tiny-kv-register',
  system: tinyKv,
  workload: 'register',
  nemesis: 'none',
  nodes: 3,
  concurrency: 6,
  timeLimit: 3,
  rate: 300,
  // A few values, so concurrent ops collide and a stale read is visible.
  options: { valueCount: 3 },
});
