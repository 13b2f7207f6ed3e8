/**
 * The bank workload (Jepsen's): `accounts` accounts start with `initialBalance` each; clients transfer
 * random amounts between two different accounts and read all balances, while faults happen; after the
 * heal each node reads once more. Ops: transfer {from, to, amount}; read null → balances (array by
 * account). Checked: every read sums to the initial total, no negative balance (unless
 * `allowNegative`), and the final reads agree across nodes (convergence).
 * Options: accounts (5), initialBalance (20), maxTransfer (5), readFraction (0.3), allowNegative (false;
 * also spelt negativeBalances, as Jepsen's `:negative-balances?`), total (accounts × initialBalance).
 * `inferFromHistory` (set by `analyze` for histories from other tools): accounts and total that were not
 * given are inferred from the reads by the checker, which says so in its result.
 */

import { type BankCheckerOptions, bankChecker } from '../checkers/bank.ts';
import { type BankConfig, bankConfig } from '../checkers/bank-config.ts';
import { convergence } from '../checkers/convergence.ts';
import type { Generator } from '../src/core/generator.ts';
import type { Workload, WorkloadDescriptor, WorkloadOptions } from '../src/core/index.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { fn } from '../src/generator/index.ts';
import { finalReadPerNode } from './set.ts';

// BankConfig lives beside the checker so systems (which may import checkers/, not workloads/) read the same options.
export { type BankConfig, bankConfig } from '../checkers/bank-config.ts';

/** Reads of every balance and transfers of a random amount between two random accounts. */
export function bankOps(c: BankConfig): Generator {
  return fn((ctx) => {
    if (ctx.rng.float() < c.readFraction) return { f: 'read', value: null };
    const from = ctx.rng.int(c.accounts);
    const to = (from + 1 + ctx.rng.int(c.accounts - 1)) % c.accounts;
    return { f: 'transfer', value: { from, to, amount: 1 + ctx.rng.int(c.maxTransfer) } };
  });
}

/**
 * What the checker is told: everything, for faultline's own runs; for another tool's history
 * (`inferFromHistory`), only what the user gave — the total when given (or accounts × initialBalance),
 * the account count when given — and the rest is inferred from the reads.
 */
function checkerOptions(c: BankConfig, options: Record<string, unknown>): BankCheckerOptions {
  const given = (k: string) => options[k] !== undefined;
  if (options.inferFromHistory !== true)
    return { total: c.total, accounts: c.accounts, allowNegative: c.allowNegative };
  const totalGiven = given('total') || given('initialBalance');
  return {
    ...(totalGiven ? { total: c.total } : {}),
    ...(given('accounts') ? { accounts: c.accounts } : {}),
    allowNegative: c.allowNegative,
  };
}

/** The bank workload: bankOps, a final read per node, the bank checker (the total never changes) and convergence. */
export function bankWorkload(o: WorkloadOptions): Workload {
  const c = bankConfig(o.options);
  return {
    name: 'bank',
    generator: bankOps(c),
    finalGenerator: finalReadPerNode(o.nodes.length),
    checkers: [bankChecker(checkerOptions(c, o.options)), convergence],
  };
}

/** The bank workload's `--opt` keys (BankConfig). */
export const bankOptions = optionsSchema({
  accounts: opt.int(2, 10_000),
  initialBalance: opt.int(0, 1e12),
  maxTransfer: opt.int(1, 1e12),
  readFraction: opt.number(0, 1),
  allowNegative: opt.bool(),
  // Jepsen's `:negative-balances?`, for histories from Jepsen's bank test.
  negativeBalances: opt.bool(),
  total: opt.int(-1e15, 1e15),
});

export const bankWorkloadDescriptor: WorkloadDescriptor = {
  options: bankOptions,
  name: 'bank',
  description:
    'transfers between accounts and reads of all balances; every read must sum to the initial total',
  create: bankWorkload,
};
