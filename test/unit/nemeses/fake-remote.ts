/**
 * Fakes for the nemesis unit tests: a Remote whose commands go to one function, and a RunContext over a
 * few of them. The nemeses' real commands run against real containers in test/integration/nemeses.
 */
import type { RunContext } from '../../../src/core/index.ts';
import type { ExecResult, Remote } from '../../../src/core/remote.ts';
import { silentLogger } from '../../../src/util/log.ts';

/** How a fake node answers a command (`exec` and `netExec` alike). */
export type FakeExec = (argv: readonly string[], o?: { stdin?: string | Uint8Array }) => Promise<ExecResult>;

/** A Remote `name` at 10.0.0.N (N from the name, n1 → 10.0.0.1) whose every command goes to `exec`. */
export function fakeRemote(name: string, exec: FakeExec): Remote {
  return {
    name,
    ip: `10.0.0.${name.slice(1)}`,
    exec,
    netExec: exec,
    run: async (argv) => (await exec(argv)).stdout,
    upload: async () => {},
    download: async () => new Uint8Array(),
  };
}

/**
 * A RunContext of test 't' over `remotes`, concurrency 1, seed 1, silent; `nodes`: the test's nodes
 * (default: the remotes' names).
 */
export function fakeContext(
  remotes: readonly Remote[],
  nodes: readonly string[] = remotes.map((r) => r.name),
): RunContext {
  return {
    name: 't',
    nodes,
    remotes,
    concurrency: 1,
    seed: 1,
    mode: '',
    options: {},
    runDir: '/nonexistent',
    log: silentLogger,
    signal: new AbortController().signal,
  } as unknown as RunContext;
}
