import { describe, expect, it } from 'vitest';
import { checkNode, diskCheck, formatChecks } from '../../../src/cluster/docker/doctor.ts';
import { engineErrorMessage } from '../../../src/cluster/docker/engine.ts';
import { checkRunId, runLabels } from '../../../src/cluster/docker/labels.ts';

describe('doctor pieces', () => {
  it('checks the Node version', () => {
    expect(checkNode('24.1.0').ok).toBe(true);
    expect(checkNode('20.11.0')).toMatchObject({ ok: false, fix: 'install Node 22 or newer' });
  });

  it('grades free disk', () => {
    expect(diskCheck('/', 50 * 1024 ** 3).ok).toBe(true);
    expect(diskCheck('/', 3 * 1024 ** 3).ok).toBe('warn');
    expect(diskCheck('/', 0.5 * 1024 ** 3).ok).toBe(false);
  });

  it('prints one line per check, with the fix on failures and warnings only', () => {
    const out = formatChecks([
      { name: 'node', ok: true, detail: 'Node 24', fix: 'unused' },
      { name: 'engine', ok: false, detail: 'not reachable', fix: 'start it' },
      { name: 'netem', ok: 'warn', detail: 'absent', fix: '' },
    ]);
    const lines = out.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('ok    node    Node 24');
    expect(lines[1]).toBe('FAIL  engine  not reachable — fix: start it');
    expect(lines[2]).toBe('warn  netem   absent');
  });

  it('turns a refused socket into one line with the fix', () => {
    const msg = engineErrorMessage(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      '/x.sock',
    );
    expect(msg).toBe(
      'Docker engine not reachable at /x.sock (ECONNREFUSED): start it with `dockerd &` (or `sudo systemctl start docker`) or set DOCKER_HOST',
    );
    expect(msg).not.toContain('\n');
  });
});

describe('labels', () => {
  it('label every resource with the run id', () => {
    expect(runLabels('r1', { team: 'x' }, { pid: 42, host: 'h1', start: '99' })).toEqual({
      team: 'x',
      faultline: '1',
      'faultline.run': 'r1',
      'faultline.owner.pid': '42',
      'faultline.owner.host': 'h1',
      'faultline.owner.start': '99',
    });
  });

  it('reject run ids that cannot be names or label filters', () => {
    expect(checkRunId('2026-a_b.c')).toBe('2026-a_b.c');
    for (const bad of ['', '-x', 'a b', 'a=b', 'x'.repeat(65)])
      expect(() => checkRunId(bad)).toThrow(/invalid run id/);
  });
});

describe('CLI option parsing', () => {
  it('splits --packages given as one string or repeated', async () => {
    const { parsePackages } = await import('../../../src/cli/commands/image.ts');
    expect(parsePackages('etcd-server, etcd-client,')).toEqual(['etcd-server', 'etcd-client']);
    expect(parsePackages(['a,b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(parsePackages(undefined)).toEqual([]);
  });

  it('prints the clean command for runs left running', async () => {
    const { cleanHint } = await import('../../../src/cluster/docker/clean.ts');
    expect(cleanHint('r1')).toBe('faultline clean --run-id r1');
  });
});
