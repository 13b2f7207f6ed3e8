/**
 * faultline's own iptables chains in a node's network namespace (entered from the host: fast, no caps
 * needed in the node). Each fault family has its own chain, jumped to from INPUT/OUTPUT; healing
 * removes exactly that chain, never anything the system under test set up.
 */
import type { Remote } from '../src/core/remote.ts';
import { netRun } from './common.ts';

export type Hook = 'INPUT' | 'OUTPUT';

async function ipt(remote: Remote, args: string[]) {
  return remote.netExec(['iptables', '-w', ...args], { timeoutMs: 20_000 });
}

/** Creates the chain (if missing) and the jump to it at the top of each hook (if missing). */
export async function ensureChain(remote: Remote, chain: string, hooks: readonly Hook[]): Promise<void> {
  const n = await ipt(remote, ['-N', chain]);
  if (n.exitCode !== 0 && !/exists/i.test(n.stderr))
    throw new Error(`${remote.name}: iptables -N ${chain}: ${n.stderr.trim()}`);
  for (const h of hooks) {
    if ((await ipt(remote, ['-C', h, '-j', chain])).exitCode !== 0)
      await netRun(remote, ['iptables', '-w', '-I', h, '1', '-j', chain]);
  }
}

/** Replaces the chain's rules in one iptables-restore transaction (no window with half a grudge). */
export async function setRules(
  remote: Remote,
  chain: string,
  rules: readonly (readonly string[])[],
): Promise<void> {
  const lines = ['*filter', `-F ${chain}`, ...rules.map((r) => `-A ${chain} ${r.join(' ')}`), 'COMMIT', ''];
  await netRun(remote, ['iptables-restore', '--noflush', '-w'], lines.join('\n'));
}

/** Removes the jumps and the chain; throws when the chain is still there afterwards. */
export async function removeChain(remote: Remote, chain: string, hooks: readonly Hook[]): Promise<void> {
  for (const h of hooks) {
    for (let i = 0; i < 8; i++) if ((await ipt(remote, ['-D', h, '-j', chain])).exitCode !== 0) break;
  }
  await ipt(remote, ['-F', chain]);
  await ipt(remote, ['-X', chain]);
  const left = await ipt(remote, ['-S', chain]);
  if (left.exitCode === 0) throw new Error(`${remote.name}: iptables chain ${chain} could not be removed`);
}

/** The packet counters of a chain's rules, in order (for checking a rule matched). */
export async function ruleCounters(remote: Remote, chain: string): Promise<number[]> {
  const out = await netRun(remote, ['iptables', '-w', '-L', chain, '-v', '-x', '-n']);
  return out
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}
