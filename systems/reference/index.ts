/**
 * The reference systems: small implementations of the classic replication designs (see README.md), each
 * `--system reference/<design> --mode <mode>`. They exist to show, end to end, that faultline's checkers
 * catch the bugs these designs really have.
 */
import type { SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import { referenceDescriptor } from './system.ts';

export const REFERENCE_SYSTEMS: SystemDescriptor[] = [
  referenceDescriptor({
    design: 'primary-backup',
    description: 'reference: one primary, heartbeats and failover; async or sync replication',
    modes: ['async', 'sync'],
    workloads: ['register', 'set'],
    primaries: true,
    options: optionsSchema({
      failoverMs: opt.int(10, 600_000, 'ms'),
      replTimeoutMs: opt.int(10, 600_000, 'ms'),
    }),
  }),
  referenceDescriptor({
    design: 'lww-sync',
    description: 'reference: every node writes, last-writer-wins by wall-clock stamp, gossip every 100 ms',
    modes: ['default'],
    workloads: ['register', 'set'],
    options: optionsSchema({ gossipMs: opt.int(1, 600_000, 'ms') }),
  }),
  referenceDescriptor({
    design: 'quorum-kv',
    description: 'reference: Dynamo-style N/R/W quorums (--opt r=… w=…), or the ABD atomic register',
    modes: ['quorum', 'abd'],
    workloads: ['register'],
    options: optionsSchema({
      r: opt.int(1, 256),
      w: opt.int(1, 256),
      peerTimeoutMs: opt.int(1, 600_000, 'ms'),
    }),
  }),
  referenceDescriptor({
    design: 'atomic-commit',
    description: 'reference: sharded accounts, cross-shard transfers by 2PC, 2PC with timeouts, or 3PC',
    modes: ['2pc', '2pc-timeout', '3pc'],
    workloads: ['bank'],
    options: optionsSchema({
      accounts: opt.int(2, 10_000),
      initialBalance: opt.int(0, 1e12),
      allowNegative: opt.bool(),
      rpcTimeoutMs: opt.int(1, 600_000, 'ms'),
      preparedTimeoutMs: opt.int(1, 600_000, 'ms'),
      readBudgetMs: opt.int(0, 600_000, 'ms'),
    }),
  }),
  referenceDescriptor({
    design: 'crdt',
    description: 'reference: state-based PN-counter and OR-set replicated by gossip',
    modes: ['default'],
    workloads: ['counter', 'set'],
    options: optionsSchema({ gossipMs: opt.int(1, 600_000, 'ms') }),
  }),
];
