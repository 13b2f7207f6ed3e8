import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runLabels } from '../../../src/cluster/docker/labels.ts';
import {
  age,
  cleanDecision,
  describeOwner,
  ownerFromLabels,
  type RunOnEngine,
} from '../../../src/cluster/docker/leftovers.ts';
import { currentOwner, ownerState, pidAlive, processStart } from '../../../src/cluster/docker/owner.ts';

/** The pid of a process that has exited (a child we waited for). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

const run = (state: RunOnEngine['state'], owner = { pid: 7, host: 'other' }): RunOnEngine => ({
  runId: 'r1',
  containers: ['faultline-r1-n1'],
  networks: ['faultline-r1'],
  owner,
  state,
  createdMs: 0,
});

describe('run owners', () => {
  it('this process is alive, with its start time on Linux', () => {
    const me = currentOwner();
    expect(me).toMatchObject({ pid: process.pid, host: hostname() });
    if (process.platform === 'linux') expect(me.start).toMatch(/^\d+$/);
    expect(ownerState(me)).toBe('alive');
    expect(pidAlive(process.pid)).toBe(true);
  });

  it('an exited process is gone; another host cannot be checked; no labels is unknown', () => {
    const pid = deadPid();
    expect(pidAlive(pid)).toBe(false);
    expect(ownerState({ pid, host: hostname() })).toBe('gone');
    expect(ownerState({ pid: process.pid, host: `${hostname()}-elsewhere` })).toBe('other-host');
    expect(ownerState(undefined)).toBe('unknown');
  });

  it('a reused pid (same pid, later start time) is gone', () => {
    const start = processStart(process.pid);
    if (start === undefined) return; // no /proc: the start time is not recorded either
    expect(ownerState({ pid: process.pid, host: hostname(), start })).toBe('alive');
    expect(ownerState({ pid: process.pid, host: hostname(), start: `${start}1` })).toBe('gone');
  });

  it('reads the owner back from the labels written at provisioning; bad labels are no owner', () => {
    const owner = { pid: 123, host: 'h', start: '456' };
    expect(ownerFromLabels(runLabels('r1', {}, owner))).toEqual(owner);
    expect(ownerFromLabels({ faultline: '1', 'faultline.run': 'r1' })).toBeUndefined();
    expect(ownerFromLabels({ 'faultline.owner.pid': 'x', 'faultline.owner.host': 'h' })).toBeUndefined();
    expect(ownerFromLabels({ 'faultline.owner.pid': '5' })).toBeUndefined();
  });
});

describe('what clean removes', () => {
  it('plain clean removes only runs whose owner is gone', () => {
    expect(cleanDecision(run('gone'), {})).toEqual({ remove: true });
    for (const s of ['alive', 'other-host', 'unknown'] as const) {
      const d = cleanDecision(run(s), {});
      expect(d.remove, s).toBe(false);
      if (!d.remove) expect(d.why, s).toContain('faultline clean --run-id r1 --force');
    }
  });

  it('--force removes every run; naming a run removes one with no recorded owner, never a live one', () => {
    for (const s of ['alive', 'other-host', 'unknown', 'gone'] as const)
      expect(cleanDecision(run(s), { force: true }), s).toEqual({ remove: true });
    expect(cleanDecision(run('unknown'), { named: true })).toEqual({ remove: true });
    expect(cleanDecision(run('alive'), { named: true }).remove).toBe(false);
    expect(cleanDecision(run('other-host'), { named: true }).remove).toBe(false);
  });

  it('a run kept on purpose (the SSH test hosts) is never removed, even with --force or named, and says how to remove it', () => {
    const down = 'node scripts/ssh-test-hosts.ts down';
    for (const s of ['alive', 'other-host', 'unknown', 'gone'] as const)
      for (const o of [{}, { force: true }, { named: true }, { force: true, named: true }]) {
        const d = cleanDecision({ ...run(s), keep: down }, o);
        expect(d, `${s} ${JSON.stringify(o)}`).toEqual({
          remove: false,
          why: `kept on purpose until removed with \`${down}\``,
        });
      }
    // The sweep of real leftovers is unchanged: a gone owner's run without the label still goes.
    expect(cleanDecision(run('gone'), {})).toEqual({ remove: true });
  });

  it('says whose a run is', () => {
    expect(describeOwner(run('alive'))).toBe('owner pid 7 running');
    expect(describeOwner(run('other-host'))).toBe('owner pid 7 on host other not checkable from here');
    expect(describeOwner({ ...run('unknown'), owner: undefined })).toBe('no recorded owner');
  });

  it('prints ages with their unit', () => {
    const now = 1_000_000_000;
    expect(age(now - 30_000, now)).toBe('30 s');
    expect(age(now - 600_000, now)).toBe('10 min');
    expect(age(now - 3 * 3_600_000, now)).toBe('3 h');
    expect(age(now - 3 * 86_400_000, now)).toBe('3 d');
    expect(age(Number.NaN, now)).toBe('age unknown');
  });
});
