/** The MariaDB system's pure parts: the failover decision, GTID positions, my.cnf per mode, the dialect, bad input. */
import { describe, expect, it } from 'vitest';
import { failoverDescriptor } from '../../../nemeses/failover.ts';
import { UserError } from '../../../src/core/errors.ts';
import { gtidSeq } from '../../../systems/mariadb/admin.ts';
import { myCnf } from '../../../systems/mariadb/config.ts';
import { mariadbDialect } from '../../../systems/mariadb/dialect.ts';
import { decide, type ReplicaView } from '../../../systems/mariadb/failover.ts';
import { createMariadbSystem, mariadbSystem } from '../../../systems/mariadb/index.ts';

const view = (name: string, io: string, ioPos: string, answered = true): ReplicaView => ({
  name,
  answered,
  io,
  ioPos,
  masterHost: '10.0.0.1',
});

describe('failover decision', () => {
  it('leaves a healthy primary alone, and one cut off from a single replica of two', () => {
    expect(decide(true, [view('n2', 'Yes', '0-1-5'), view('n3', 'Yes', '0-1-5')]).promote).toBeUndefined();
    expect(
      decide(true, [view('n2', 'Connecting', '0-1-5'), view('n3', 'Yes', '0-1-5')]).promote,
    ).toBeUndefined();
  });
  it('promotes the replica with the most advanced received GTID when most replicas lost the primary', () => {
    const d = decide(true, [view('n2', 'Connecting', '0-1-5'), view('n3', 'Connecting', '0-1-9')]);
    expect(d).toEqual({ promote: 'n3', why: '2 of 2 answering replicas cannot reach the primary' });
  });
  it('breaks ties by node name, and ignores replicas that do not answer', () => {
    expect(decide(false, [view('n3', 'Yes', '0-1-7'), view('n2', 'Yes', '0-1-7')]).promote).toBe('n2');
    expect(decide(false, [view('n2', '', '', false), view('n3', 'Yes', '0-1-1')]).promote).toBe('n3');
    expect(decide(false, [view('n2', '', '', false)])).toEqual({
      promote: undefined,
      why: 'primary does not answer, and no replica answers',
    });
  });
  it('reads domain 0 sequence numbers from GTID lists', () => {
    expect(gtidSeq('0-1-17,1-2-300')).toBe(17);
    expect(gtidSeq('0-1-17,0-2-21')).toBe(21);
    expect(gtidSeq('')).toBe(-1);
  });
});

describe('configuration and dialect', () => {
  const base = { serverId: 2, name: 'n2', ip: '10.0.0.2', clusterIps: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] };
  it('writes binlog + GTID settings for replica mode and wsrep settings for galera', () => {
    const r = myCnf({ ...base, mode: 'replica', isolation: 'repeatable-read' });
    expect(r).toMatch(/^log_slave_updates=ON$/m);
    expect(r).toMatch(/^read_only=ON$/m);
    expect(r).toMatch(/^transaction_isolation=REPEATABLE-READ$/m);
    expect(r).not.toMatch(/wsrep/);
    const g = myCnf({ ...base, mode: 'galera', isolation: 'serializable' });
    expect(g).toMatch(/^wsrep_cluster_address=gcomm:\/\/10\.0\.0\.1,10\.0\.0\.2,10\.0\.0\.3$/m);
    expect(g).toMatch(/^wsrep_sst_method=rsync$/m);
    expect(g).toMatch(/^transaction_isolation=SERIALIZABLE$/m);
  });
  it('opens txns at the level asked, and classifies deadlocks (Galera certification failures) as rolled back', () => {
    expect(mariadbDialect.begin('read-committed', true)).toEqual([
      'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
      'START TRANSACTION READ ONLY',
    ]);
    expect(mariadbDialect.classify({ errno: 1213 })).toBe('rolled-back');
    expect(mariadbDialect.classify({ errno: 1047 })).toBe('unknown');
    expect(mariadbDialect.classify(new Error('Connection lost'))).toBe('unknown');
  });
});

describe('bad input', () => {
  it('refuses node counts per mode and unknown isolation levels as UserErrors', () => {
    const v =
      (mode: string, n: number, options: Record<string, unknown> = {}) =>
      () =>
        mariadbSystem.validate!({ mode, nodes: Array.from({ length: n }, (_, i) => `n${i + 1}`), options });
    expect(v('galera', 2)).toThrow(UserError);
    expect(v('galera', 4)).toThrow(/3 or 5 nodes, not 4/);
    expect(v('replica', 1)).toThrow(/at least 2 nodes/);
    expect(v('single', 3)).toThrow(/one node/);
    expect(v('single', 1, { isolation: 'snapshot' })).toThrow(/unknown isolation 'snapshot'/);
    expect(v('galera', 5)).not.toThrow();
  });
  it('offers failover only in replica mode; the failover family refuses other systems', () => {
    expect('failover' in createMariadbSystem('replica')).toBe(true);
    expect('failover' in createMariadbSystem('galera')).toBe(false);
    expect(() =>
      failoverDescriptor.create({ intervalS: 1, nodes: ['n1'], system: createMariadbSystem('single') }),
    ).toThrow(UserError);
    const p = failoverDescriptor.create({
      intervalS: 1,
      nodes: ['n1', 'n2'],
      timeLimitS: 3.5,
      system: createMariadbSystem('replica'),
      options: { failoverIntervalS: 1 },
    });
    expect(p.schedule?.map((s) => s.atS)).toEqual([1, 2, 3]);
  });
});
