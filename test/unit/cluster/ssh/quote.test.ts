import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteArg, quoteArgv, remoteArgv, remoteCommand } from '../../../../src/cluster/ssh/quote.ts';

/** What a real POSIX sh gives a program for this command line (each argv element NUL-terminated). */
function shArgv(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const SPECIAL = [...' \t\n\'"\\$`!*?[](){}<>|&;#~=%^,.:-/', 'é', '☃', '日', '\u{1F600}', '\r'];
const argString = fc.string({
  unit: fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
  maxLength: 20,
});

describe('quoting argv for the remote shell', () => {
  it('sh parses the quoted line back into exactly the argv (property)', () => {
    fc.assert(
      fc.property(fc.array(argString, { minLength: 1, maxLength: 6 }), (argv) => {
        expect(shArgv(`exec printf '%s\\0' ${quoteArgv(argv)}`)).toEqual(argv);
      }),
      { numRuns: 150 },
    );
  });

  it('quotes every word, even plain ones, and refuses NUL', () => {
    expect(quoteArg('abc')).toBe("'abc'");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
    expect(quoteArg('')).toBe("''");
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
  });

  it('wraps in the order sudo, timeout, user, cwd, env', () => {
    expect(
      remoteArgv(['prog', 'x'], {
        env: { A: '1' },
        cwd: '/d',
        user: 'bob',
        timeoutMs: 1500,
        sudo: 'password',
      }),
    ).toEqual([
      'sudo',
      '-k',
      '-S',
      '-p',
      '',
      '--',
      'timeout',
      '-s',
      'KILL',
      '1.5s',
      'runuser',
      '-u',
      'bob',
      '--',
      'sh',
      '-c',
      'cd -- "$1" || exit 126; shift; exec "$@"',
      'sh',
      '/d',
      'env',
      '--',
      'A=1',
      'prog',
      'x',
    ]);
    expect(remoteArgv(['p'], { user: '1000:1001', sudo: 'nopasswd' })).toEqual([
      'sudo',
      '-n',
      '--',
      'setpriv',
      '--reuid=1000',
      '--regid=1001',
      '--clear-groups',
      '--',
      'p',
    ]);
    expect(() => remoteArgv([])).toThrow(/empty/);
    expect(() => remoteArgv(['p'], { env: { 'A B': '1' } })).toThrow(/"A B" is not valid/);
  });

  it('the full command runs in sh with env, cwd and timeout, argv intact', () => {
    const nasty = ['a b', "'", '$(echo x)', 'x\ny'];
    const line = remoteCommand(['sh', '-c', 'printf "%s\\0" "$PWD" "$V" "$@"', 'sh', ...nasty], {
      env: { V: 'v $x `y`' },
      cwd: '/tmp',
      timeoutMs: 30_000,
    });
    expect(shArgv(line)).toEqual(['/tmp', 'v $x `y`', ...nasty]);
    // A program whose name holds '=' is not taken for an env assignment.
    const eq = remoteCommand(['/nonexistent/a=b'], { env: { V: '1' } });
    expect(() => execFileSync('/bin/sh', ['-c', eq], { stdio: 'pipe' })).toThrow(/a=b/);
  });

  it('a cwd that cannot be entered exits 126', () => {
    const line = remoteCommand(['true'], { cwd: '/no/such/dir' });
    let code = 0;
    try {
      execFileSync('/bin/sh', ['-c', line], { stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(126);
  });
});
