import { describe, expect, it } from 'vitest';
import { demoRunFlags } from '../../../src/cli/commands/demo.ts';
import { UserError } from '../../../src/core/errors.ts';

describe('faultline demo', () => {
  it('is a 5-node etcd register run with partitions and kills for 30 s on the debian flavour', () => {
    const { run, missing } = demoRunFlags({}, ['partition', 'kill', 'pause']);
    expect(run.dashboard).toBeUndefined();
    expect(demoRunFlags({ dashboard: false }, ['partition']).run.dashboard).toBe(false);
    expect(run).toMatchObject({
      system: 'etcd',
      workload: 'register',
      nemesis: 'partition,kill',
      nodes: 5,
      concurrency: 10,
      timeLimit: 30,
      flavour: 'debian',
    });
    expect(missing).toEqual([]);
  });

  it('runs without the default faults that this build lacks, and says so', () => {
    const { run, missing } = demoRunFlags({}, ['partition']);
    expect(run.nemesis).toBe('partition');
    expect(missing).toEqual(['kill']);
    expect(demoRunFlags({}, []).run.nemesis).toBe('none');
  });

  it('takes the flavour, image, time, seed and faults from flags; an unknown fault is a user error', () => {
    const { run } = demoRunFlags(
      { flavour: 'hostroot', timeLimit: 10, seed: 7, nemesis: 'kill', image: 'x/y:z' },
      ['partition', 'kill'],
    );
    expect(run).toMatchObject({
      flavour: 'hostroot',
      timeLimit: 10,
      seed: 7,
      nemesis: 'kill',
      image: 'x/y:z',
    });
    expect(demoRunFlags({ nemesis: 'none' }, ['kill']).run.nemesis).toBe('none');
    expect(() => demoRunFlags({ nemesis: 'partiton' }, ['partition'])).toThrow(UserError);
  });
});
