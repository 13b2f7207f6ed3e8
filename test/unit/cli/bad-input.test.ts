/**
 * Bad input is exit 254 and exactly one line on stderr, nothing on stdout (issue 14 kind 23): each case
 * of the issue, then fast-check over generated bad argv. The CLI entry `main` runs in-process (stderr and
 * stdout captured), which is fast enough to fuzz; the read-only cases spawn the CLI as another user.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEMESES } from '../../../nemeses/index.ts';
import { main } from '../../../src/cli/main.ts';
import { FIELDS, type FieldName, parseOpt, type TestField } from '../../../src/config/options.ts';
import { memorySystem } from '../../../systems/memory/index.ts';
import { setWorkloadDescriptor } from '../../../workloads/set.ts';

const REPO = join(import.meta.dirname, '../../..');
const BIN = join(REPO, 'bin/faultline.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'faultline-bad-'));

/** Runs the CLI in-process in `cwd`; returns its exit code and what it wrote. */
async function cli(argv: string[], cwd?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  const was = process.cwd();
  process.stdout.write = ((c: string | Uint8Array) => out.push(String(c)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => err.push(String(c)) > 0) as typeof process.stderr.write;
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.chdir(was);
    process.exitCode = undefined;
  }
}

/** Exit 254, nothing on stdout, exactly one line on stderr (matching `pattern`). */
function expectOneLine(r: { code: number; stdout: string; stderr: string }, pattern?: RegExp) {
  expect(r.code, r.stderr).toBe(254);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.slice(0, -1)).not.toMatch(/[\n\r\u2028\u2029]/);
  expect(r.stderr).toMatch(/^faultline: /);
  if (pattern) expect(r.stderr).toMatch(pattern);
}

describe('kind 23: each case of the issue', () => {
  const etcd = (nemesis: string, o: string) => ['run', '--system', 'etcd', '--nemesis', nemesis, '--opt', o];
  it.each([
    // invalid fault-family options (were "internal error", 255)
    [etcd('partition', 'partitionTargets=sideways'), /partitionTargets=sideways: expected list of/],
    [
      etcd('partition', 'partitionGrudge={'),
      /^faultline: option partitionGrudge=\{: expected a grudge: JSON object/,
    ],
    [etcd('kill', 'killTargets=,'), /killTargets=,: expected list of/],
    [
      etcd('clock', 'clockTargets=primaries'),
      /clockTargets=primaries: expected list of one\|minority\|majority\|all\|node/,
    ],
    [etcd('partition', 'partitionGrudge={"n1":["n9"]}'), /^faultline: nemesis partition: /],
    [etcd('partition', 'partitionTargets=grudge'), /no partitionGrudge/],
    [etcd('partition', 'partitionGrudge={"n1":[]}'), /partitionGrudge cuts nothing/],
    // A 1-node test has nothing to partition, and no peer for a peer-limited packet fault.
    [
      ['run', '--system', 'postgres', '--mode', 'single', '--nodes', '1', '--nemesis', 'partition,kill'],
      /^faultline: nemesis partition: partition needs at least 2 nodes/,
    ],
    [
      ['run', '--system', 'etcd', '--nodes', '1', '--nemesis', 'packet', '--opt', 'packetPeers=n1'],
      /packetPeers needs at least 2 nodes/,
    ],
    [etcd('kill', 'killTargets=n9'), /unknown target node\(s\) n9/],
    [etcd('pause', 'pauseTargets=one,,+'), /pauseTargets=.*: expected list of/],
    [etcd('crash', 'crashTargets=[1,{}]'), /crashTargets=.*: expected list of/],
    [etcd('clock', 'clockModes=warp'), /clockModes=warp: expected list of set\|bump\|strobe/],
    [etcd('clock', 'clockMaxOffset=0'), /clockMaxOffset=0: expected number of seconds/],
    [etcd('clock', 'clockOffsets=1,x'), /clockOffsets=1,x: expected list of numbers/],
    [etcd('clock', 'clockStrobePeriodMs=1'), /clockStrobePeriodMs=1: expected number of ms/],
    [etcd('packet', 'packetKinds=jitter'), /packetKinds=jitter: expected list of loss\|/],
    [etcd('packet', 'packetLoss=2'), /packetLoss=2: expected number in \[0, 1\]/],
    [etcd('packet', 'packetRate=fast'), /packetRate=fast: expected a tc rate/],
    [etcd('packet', 'packetPeers=n1+n9'), /packetPeers names unknown node/],
    [etcd('packet', 'packetDelayMs=abc'), /packetDelayMs=abc: expected number of ms/],
    // plugin options
    [
      ['run', '--opt', 'nosuchkey=1'],
      /unknown option nosuchkey for system memory, workload set: valid keys are lossRate \(number in \[0, 1\]\)/,
    ],
    [['run', '--opt', 'rate=abc'], /unknown option rate \(rate is a test field: use --rate\)/],
    [
      ['run', '--mode', 'lost-writes', '--opt', 'lossRate=abc'],
      /option lossRate=abc: expected number in \[0, 1\] \(system memory\)/,
    ],
    [
      ['run', '--workload', 'register', '--opt', 'threadsPerKey=3'],
      /threadsPerKey 3 must divide the concurrency 10/,
    ],
    [
      ['run', '--opt', 'latencyMs=1e10'],
      /option latencyMs=10000000000: expected number of ms in \[0, 60000\]/,
    ],
    [['run', '--opt', 'noequals'], /expected key=value/],
    // ranges (kind 16 too: these planned forever before)
    [['run', '--time-limit', '1e9'], /--time-limit.*'1e9' is invalid\. expected seconds/],
    [['run', '--nemesis-interval', '1e-6'], /--nemesis-interval.*expected seconds, a number ≥ 0\.01/],
    [
      ['run', '--system', 'etcd', '--nemesis', 'kill', '--time-limit', '1000000', '--nemesis-interval', '1'],
      /would plan 1000000 faults per family; at most 50000/,
    ],
    [['run', '--seed', '99999999999'], /--seed.*expected a whole number ≥ 0 and ≤ 4294967295/],
    [['run', '--nodes', '0'], /--nodes.*expected a node count/],
    [['run', '--nodes', 'a,a'], /--nodes.*distinct/],
    [['run', '--test-count', '0'], /--test-count must be a whole number in \[1, 10000\]/],
    // parse errors: one line, the hint on it
    [['run', '--bogus'], /^faultline: unknown option '--bogus' \(see --help\)$/m],
    [['run', '--time-limit'], /argument missing/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run', '--no-such\nflag'], /unknown option '--no-such\\u000aflag'/],
    [['analyze', 'x.jsonl', '--checker-time-limit', '0'], /--checker-time-limit.*expected seconds/],
  ])('%j', async (argv, pattern) => expectOneLine(await cli(argv as string[]), pattern));

  it('analyze --model nosuch names the known models', async () => {
    const dir = tmp();
    const op = (type: string) =>
      JSON.stringify({ index: 0, time: 0, type, process: 0, f: 'read', value: null });
    writeFileSync(join(dir, 'h.jsonl'), `${op('invoke')}\n${op('ok')}\n`);
    expectOneLine(
      await cli(['analyze', join(dir, 'h.jsonl'), '--model', 'nosuch']),
      /--model nosuch: use one of .*register/,
    );
  });

  it('analyze of a run folder whose stored options do not build its workload', async () => {
    const dir = tmp();
    const op = (type: string) =>
      JSON.stringify({ index: 0, time: 0, type, process: 0, f: 'read', value: null });
    writeFileSync(join(dir, 'history.jsonl'), `${op('invoke')}\n${op('ok')}\n`);
    writeFileSync(join(dir, 'test.json'), JSON.stringify({ workload: 'bank', options: { accounts: 1 } }));
    expectOneLine(await cli(['analyze', dir]), /^faultline: workload bank: .*accounts must be ≥ 2/);
  });

  describe('test files', () => {
    const file = (text: string) => {
      const dir = tmp();
      chmodSync(dir, 0o755); // readable by the unprivileged user of spawnCli
      writeFileSync(join(dir, 't.ts'), text);
      return join(dir, 't.ts');
    };
    it('a getter that throws', async () =>
      expectOneLine(
        await cli(['run', file('export default { get timeLimit() { throw new Error("boom"); } };\n')]),
        /t\.ts: reading the test failed: boom/,
      ));
    it('a syntax error names the line (spawned: Node itself loads the file, as for a user)', () => {
      const f = file('const a = 1;\nexport default {\n  nodes: 3,,\n};\n');
      expectOneLine(spawnCli(['run', f], dirname(f)), /t\.ts:3 could not be loaded: Unexpected token/);
    });
    it('an error thrown while the file runs names the line', async () =>
      expectOneLine(
        await cli(['run', file('const a = 1;\nthrow new Error("top");\nexport default {};\n')]),
        /t\.ts:2 could not be loaded: top/,
      ));
    it('node names are validated as on the command line (a newline stays escaped, on one line)', async () =>
      expectOneLine(
        await cli(['run', file('export default { nodes: ["n1", "bad\\nname"] };\n')]),
        /nodes: \["n1","bad\\nname"\]: expected a node count/,
      ));
    it('an unknown field lists the fields', async () =>
      expectOneLine(
        await cli(['run', file('export default { timelimit: 3 };\n')]),
        /unknown field timelimit: the fields are name, system/,
      ));
    it('a bad plugin option', async () =>
      expectOneLine(
        await cli(['run', file('export default { options: { lossRate: "abc" } };\n')]),
        /option lossRate=abc/,
      ));
  });
});

/** Spawns the CLI as an unprivileged user when we are root (root ignores file modes). */
function spawnCli(args: string[], cwd: string) {
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', HOME: cwd },
    ...asNobody,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('kind 23: read-only folders', () => {
  const readOnly = () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    return dir;
  };
  it('a read-only results folder is one line, exit 254', () => {
    const dir = readOnly();
    mkdirSync(join(dir, 'results'));
    chmodSync(join(dir, 'results'), 0o555);
    const r = spawnCli(['run', '--time-limit', '1'], dir);
    expectOneLine(r, /--results-dir results: cannot write there \(EACCES\)/);
  });
  it('analyze of a read-only run folder still prints the verdict (and its exit code)', () => {
    const dir = readOnly();
    const run = spawnSync(
      process.execPath,
      [BIN, 'run', '--time-limit', '1', '--recovery-time', '0', '--seed', '3'],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, CI: 'true' },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    spawnSync('chmod', ['-R', 'a+rX,a-w', join(dir, 'results')]);
    const r = spawnCli(['analyze', 'results/latest'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.stderr).toMatch(/^warning: could not store the re-analysis in results\/latest \(EACCES/);
  });
});

describe('fuzz: generated bad argv', () => {
  const numeric = (Object.keys(FIELDS) as FieldName[]).filter((k) => (FIELDS[k] as TestField).fromCli);
  const longs = new Set([
    '--help',
    '--version',
    '--verbose',
    ...Object.values(FIELDS).map((f) => f.flag.split(' ')[0]!),
  ]);
  const memoryKeys = new Set([
    ...Object.keys(memorySystem.options!.shape),
    ...Object.keys(setWorkloadDescriptor.options!.shape),
  ]);
  /** A value that a field's schema refuses once parsed, and that commander will not read as a flag. */
  const badValue = (k: FieldName) =>
    fc
      .oneof(
        fc.string({ maxLength: 12, unit: 'binary-ascii' }),
        fc.double().map(String),
        fc.integer().map((n) => `${n}`),
        fc.constantFrom('1e400', '0x10', 'NaN', ' ', ''),
      )
      .filter(
        (s) =>
          !s.startsWith('-') &&
          !(FIELDS[k] as TestField).schema.safeParse((FIELDS[k] as TestField).fromCli!(s)).success,
      );
  const badNumber = fc
    .constantFrom(...numeric)
    .chain((k) => badValue(k).map((v) => [FIELDS[k].flag.split(' ')[0]!, v]));
  const unknownFlag = fc
    .tuple(fc.stringMatching(/^--[a-z][a-z-]{0,15}$/), fc.string({ maxLength: 4, unit: 'binary-ascii' }))
    .map(([f, tail]) => (/^[\w-]*$/.test(tail) ? f : f + tail))
    .filter(
      (f) =>
        !longs.has(f) &&
        !f.startsWith('--no-') &&
        f !== '--test-count' &&
        f !== '--leave-running' &&
        f !== '--replay',
    )
    .map((f) => [f]);
  const badOptKey = fc
    .oneof(
      fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,12}$/),
      fc.string({ maxLength: 8, unit: 'binary-ascii' }),
    )
    .filter((k) => !memoryKeys.has(k) && !k.includes('='))
    .map((k) => ['--opt', `${k}=1`]);
  const badOptValue = fc
    .tuple(
      fc.constantFrom('lossRate', 'duplicateRate', 'staleMs', 'visibilityMs', 'latencyMs', 'setReads'),
      fc.string({ maxLength: 10, unit: 'binary-ascii' }),
    )
    .filter(([k, v]) => {
      const [, parsed] = parseOpt(`${k}=${v}`);
      return !(memorySystem.options!.shape[k] ?? setWorkloadDescriptor.options!.shape[k])!.safeParse(parsed)
        .success;
    })
    .map(([k, v]) => ['--opt', `${k}=${v}`]);
  const badNodes = fc
    .array(fc.string({ maxLength: 6, unit: 'binary-ascii' }), { minLength: 1, maxLength: 4 })
    .map((a) => a.join(','))
    .filter((s) => !s.startsWith('-') && !FIELDS.nodes.schema.safeParse(FIELDS.nodes.fromCli!(s)).success)
    .map((s) => ['--nodes', s]);
  /** Harmless valid flags around the bad one: none of them starts a run on its own. */
  const valid = fc.subarray([
    ['--time-limit', '1'],
    ['--rate', '10'],
    ['--seed', '5'],
    ['--recovery-time', '0'],
  ]);

  it('run: unknown flags, bad numbers, bad --opt keys and values, bad node names → 254, one line', async () => {
    await fc.assert(
      fc.asyncProperty(
        valid,
        fc.oneof(badNumber, unknownFlag, badOptKey, badOptValue, badNodes),
        fc.nat(),
        async (ok, bad, at) => {
          const pieces = [...ok];
          pieces.splice(at % (pieces.length + 1), 0, bad);
          expectOneLine(await cli(['run', ...pieces.flat()]));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('analyze and demo: bad numbers → 254, one line', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('checkerTimeLimit', 'checkerMemoryLimit'),
        fc.nat(),
        async (k, seed) => {
          const v = fc.sample(badValue(k as FieldName), { seed, numRuns: 1 })[0]!;
          expectOneLine(
            await cli(['analyze', 'nowhere.jsonl', FIELDS[k as FieldName].flag.split(' ')[0]!, v]),
          );
          const d = fc.sample(badValue('timeLimit'), { seed, numRuns: 1 })[0]!;
          expectOneLine(await cli(['demo', '--time-limit', d]));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('every fault family refuses a mistyped value of each of its keys with one line', async () => {
    for (const [name, d] of Object.entries(NEMESES)) {
      for (const key of Object.keys(d.options!.shape)) {
        expectOneLine(
          await cli(['run', '--system', 'etcd', '--nemesis', name, '--opt', `${key}={"x":1}`]),
          new RegExp(`option ${key}=\\{"x":1\\}: expected .* \\(nemesis ${name}\\)`),
        );
      }
    }
  });
});
