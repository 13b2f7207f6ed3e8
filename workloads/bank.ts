/**
 * The bank workload (Jepsen's): `accounts` accounts start with `initialBalance` each; clients transfer
 * random amounts between two different accounts and read all balances, while faults happen; after the
 * heal each node reads once more. Ops: transfer {from, to, amount}; read null → balances (array by
 * account). Checked: every read sums to the initial total, no negative balance (unless
 * `allowNegative`), and the final reads agree across nodes (convergence).
 * Options: accounts (5), initialBalance (20), maxTransfer (5), readFraction (0.3), allowNegative (false).
 */
import { bankChecker } from '../checkers/bank.ts';
import { convergence } from '../checkers/convergence.ts';
import type { Generator } from '../src/core/generator.ts';
import type { Workload, WorkloadDescriptor, WorkloadOptions } from '../src/core/index.ts';
import { fn } from '../src/generator/index.ts';
import { finalReadPerNode } from './set.ts';

/** The bank: how many accounts, their initial balance, the largest transfer, and how often to read. */
export interface BankConfig {
  accounts: number;
  initialBalance: number;
  maxTransfer: number;
  readFraction: number;
  allowNegative: boolean;
}

/** The bank's parameters from test options (systems use this too, so both sides agree). */
export function bankConfig(options: Record<string, unknown>): BankConfig {
  const c: BankConfig = {
    accounts: Number(options.accounts ?? 5),
    initialBalance: Number(options.initialBalance ?? 20),
    maxTransfer: Number(options.maxTransfer ?? 5),
    readFraction: Number(options.readFraction ?? 0.3),
    allowNegative: options.allowNegative === true || options.allowNegative === 'true',
  };
  if (!Number.isInteger(c.accounts) || c.accounts < 2) throw new Error('bank workload: accounts must be ≥ 2');
  if (!Number.isInteger(c.initialBalance) || c.initialBalance < 0)
    throw new Error('bank workload: initialBalance must be an integer ≥ 0');
  if (!Number.isInteger(c.maxTransfer) || c.maxTransfer < 1)
    throw new Error('bank workload: maxTransfer must be an integer ≥ 1');
  if (!(c.readFraction >= 0 && c.readFraction <= 1))
    throw new Error('bank workload: readFraction must be in [0, 1]');
  return c;
}

/** Reads of every balance and transfers of a random amount between two random accounts. */
export function bankOps(c: BankConfig): Generator {
  return fn((ctx) => {
    if (ctx.rng.float() < c.readFraction) return { f: 'read', value: null };
    const from = ctx.rng.int(c.accounts);
    const to = (from + 1 + ctx.rng.int(c.accounts - 1)) % c.accounts;
    return { f: 'transfer', value: { from, to, amount: 1 + ctx.rng.int(c.maxTransfer) } };
  });
}

/** The bank workload: bankOps, a final read per node, the bank checker (the total never changes) and convergence. */
export function bankWorkload(o: WorkloadOptions): Workload {
  const c = bankConfig(o.options);
  return {
    name: 'bank',
    generator: bankOps(c),
    finalGenerator: finalReadPerNode(o.nodes.length),
    checkers: [
      bankChecker({
        total: c.accounts * c.initialBalance,
        accounts: c.accounts,
        allowNegative: c.allowNegative,
      }),
      convergence,
    ],
  };
}

export const bankWorkloadDescriptor: WorkloadDescriptor = {
  name: 'bank',
  description:
    'transfers between accounts and reads of all balances; every read must sum to the initial total',
  create: bankWorkload,
};
