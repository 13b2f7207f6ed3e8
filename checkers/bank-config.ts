/**
 * The bank workload's parameters from test options (`--opt accounts=…` etc.; see workloads/bank.ts), shared by
 * the workload, its checker and the systems that lay out the accounts (systems/sql), so all agree. Pure.
 */
/** The bank: how many accounts, their initial balance, the largest transfer, and how often to read. */
export interface BankConfig {
  accounts: number;
  initialBalance: number;
  maxTransfer: number;
  readFraction: number;
  allowNegative: boolean;
  /** The sum every read must show. */
  total: number;
}

/** A boolean option: true/false (or the strings), absent = `dflt`; anything else is rejected. */
function boolOption(options: Record<string, unknown>, names: string[], dflt: boolean): boolean {
  for (const n of names) {
    const v = options[n];
    if (v === undefined) continue;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new Error(`bank workload: ${n} must be true or false, not ${JSON.stringify(v)}`);
  }
  return dflt;
}

/** The bank's parameters from test options (systems use this too, so both sides agree). */
export function bankConfig(options: Record<string, unknown>): BankConfig {
  const c: BankConfig = {
    accounts: Number(options.accounts ?? 5),
    initialBalance: Number(options.initialBalance ?? 20),
    maxTransfer: Number(options.maxTransfer ?? 5),
    readFraction: Number(options.readFraction ?? 0.3),
    allowNegative: boolOption(options, ['allowNegative', 'negativeBalances'], false),
    total: 0,
  };
  c.total = Number(options.total ?? c.accounts * c.initialBalance);
  if (!Number.isInteger(c.total)) throw new Error('bank workload: total must be an integer');
  if (!Number.isInteger(c.accounts) || c.accounts < 2) throw new Error('bank workload: accounts must be ≥ 2');
  if (!Number.isInteger(c.initialBalance) || c.initialBalance < 0)
    throw new Error('bank workload: initialBalance must be an integer ≥ 0');
  if (!Number.isInteger(c.maxTransfer) || c.maxTransfer < 1)
    throw new Error('bank workload: maxTransfer must be an integer ≥ 1');
  if (!(c.readFraction >= 0 && c.readFraction <= 1))
    throw new Error('bank workload: readFraction must be in [0, 1]');
  return c;
}
