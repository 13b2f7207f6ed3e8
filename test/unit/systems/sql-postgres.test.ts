import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { nodeCountProblem, postgresArgv, postgresSystem } from '../../../systems/postgres/index.ts';

describe('postgres system descriptor', () => {
  it('modes need their node counts: single exactly 1, replica at least 3', () => {
    expect(nodeCountProblem('single', 1)).toBeUndefined();
    expect(nodeCountProblem('single', 2)).toMatch(/use --nodes 1/);
    expect(nodeCountProblem('replica', 3)).toBeUndefined();
    expect(nodeCountProblem('replica', 5)).toBeUndefined();
    expect(nodeCountProblem('replica', 2)).toMatch(/use --nodes 3/);
  });

  it('validate throws one-line UserErrors (node count, readFrom=standby without standbys)', () => {
    const v =
      (mode: string, n: number, options: Record<string, unknown> = {}) =>
      () =>
        postgresSystem.validate!({ mode, nodes: Array.from({ length: n }, (_, i) => `n${i + 1}`), options });
    expect(v('replica', 2)).toThrow(UserError);
    expect(v('single', 1, { readFrom: 'standby' })).toThrow(/needs --mode replica/);
    expect(v('replica', 3, { readFrom: 'standby' })).not.toThrow();
  });

  it('the isolation option takes the three SQL levels only', () => {
    const iso = postgresSystem.options!.shape.isolation!;
    expect(iso.safeParse('repeatable-read').success).toBe(true);
    expect(iso.safeParse('snapshot-isolation').success).toBe(false);
  });

  it('the server command line: data dir, listening on every address, WAL for standbys', () => {
    const argv = postgresArgv();
    expect(argv[0]).toBe('/usr/lib/postgresql/15/bin/postgres');
    expect(argv).toContain('listen_addresses=*');
    expect(argv).toContain('wal_level=replica');
    expect(argv).toContain('hot_standby=on');
  });

  it('registers a client for every SQL workload in both modes', () => {
    for (const mode of postgresSystem.modes)
      expect(Object.keys(postgresSystem.create(mode).clients).sort()).toEqual([
        'bank',
        'list-append',
        'register',
        'rw-register',
        'set',
      ]);
  });
});
