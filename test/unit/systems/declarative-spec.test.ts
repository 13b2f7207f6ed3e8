/**
 * Declarative system files (systems/declarative/): parsing with one-line errors naming the key, the
 * placeholders of a start command, and loading a JSON file through `--system path.json`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTestFile } from '../../../src/config/load.ts';
import { UserError } from '../../../src/core/errors.ts';
import { resolveTest } from '../../../src/registry.ts';
import { declarativeSystem, loadSystemFile } from '../../../systems/declarative/index.ts';
import {
  placeholderValues,
  substitute,
  unknownPlaceholders,
} from '../../../systems/declarative/placeholders.ts';
import { parseSpec } from '../../../systems/declarative/spec.ts';
import { findSystem } from '../../../systems/index.ts';

const ok = { name: 'kv', start: ['/usr/bin/kv', '--id', '{node}'] };

/** The one-line UserError `f` throws. */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const m = (err as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

describe('parseSpec', () => {
  it('accepts a full spec and keeps every field', () => {
    const s = parseSpec(
      {
        ...ok,
        files: [{ from: 'kv', to: '/opt/kv/kv', mode: '0755' }],
        packages: ['python3'],
        port: 9000,
        env: { PEERS: '{peers}' },
        ready: { tcp: 9000, timeoutS: 5 },
        logFiles: ['/var/log/kv.log'],
        dataDir: '/var/lib/kv',
        version: ['/usr/bin/kv', '--version'],
      },
      'kv.json',
    );
    expect(s.port).toBe(9000);
    expect(s.files?.[0]?.mode).toBe('0755');
    expect(s.ready).toEqual({ tcp: 9000, timeoutS: 5 });
  });

  it('names the file and the key of every mistake', () => {
    expect(errorOf(() => parseSpec({ ...ok, start: [] }, 'kv.json'))).toMatch(/^kv\.json: start: \[\]: /);
    expect(errorOf(() => parseSpec({ ...ok, port: 70000 }, 'kv.json'))).toMatch(/^kv\.json: port: 70000: /);
    expect(errorOf(() => parseSpec({ ...ok, files: [{ from: 'a', to: 'rel' }] }, 'kv.json'))).toMatch(
      /^kv\.json: files\[0\]\.to: "rel": expected an absolute path/,
    );
    expect(errorOf(() => parseSpec({ ...ok, strat: ['x'] }, 'kv.json'))).toMatch(
      /^kv\.json: unknown key strat: the keys are name, .*start/,
    );
    expect(errorOf(() => parseSpec({ ...ok, ready: { tpc: 1 } }, 'kv.json'))).toMatch(
      /^kv\.json: ready: unknown key tpc$/,
    );
    expect(errorOf(() => parseSpec({ start: ['x'] }, 'kv.json'))).toMatch(/^kv\.json: name: missing/);
    expect(errorOf(() => parseSpec({ ...ok, name: 'a b' }, 'kv.json'))).toMatch(/^kv\.json: name: "a b": /);
    expect(errorOf(() => parseSpec({ ...ok, protocol: 'raft' }, 'kv.json'))).toMatch(
      /^kv\.json: protocol: "raft"/,
    );
    const m = { ...ok, protocol: 'maelstrom' };
    expect(errorOf(() => parseSpec({ ...m, ready: { tcp: 1 } }, 'kv.json'))).toMatch(
      /^kv\.json: ready: only timeoutS applies with protocol maelstrom/,
    );
    expect(parseSpec({ ...m, ready: { timeoutS: 120 } }, 'kv.json').ready).toEqual({ timeoutS: 120 });
    expect(errorOf(() => parseSpec({ ...ok, ready: { tcp: 1, command: ['true'] } }, 'kv.json'))).toMatch(
      /ready: give either tcp or command/,
    );
    expect(errorOf(() => parseSpec({ ...ok, files: [{ from: 'a', to: '/a', mode: '999' }] }, 'k'))).toMatch(
      /files\[0\]\.mode: "999": expected an octal mode/,
    );
  });

  it("refuses a data folder that is not the program's own (setup empties it)", () => {
    for (const d of ['/', '/var', '/var/lib', '/home', '/var/lib/../..', '/opt/./'])
      expect(
        errorOf(() => parseSpec({ ...ok, dataDir: d }, 'kv.json')),
        d,
      ).toMatch(/^kv\.json: dataDir: .*expected a folder of the program's own/);
    expect(parseSpec({ ...ok, dataDir: '/var/lib/kv' }, 'kv.json').dataDir).toBe('/var/lib/kv');
  });

  it('refuses an unknown placeholder, naming where it is and the known ones', () => {
    expect(errorOf(() => parseSpec({ ...ok, start: ['kv', '--id={nod}'] }, 'kv.json'))).toBe(
      'kv.json: start[1]: unknown placeholder {nod}: use {node} {nodes} {peers} {port} {dataDir} {ip}',
    );
    expect(errorOf(() => parseSpec({ ...ok, version: ['{x}'] }, 'kv.json'))).toMatch(
      /version\[0\]: unknown placeholder \{x\}/,
    );
    expect(errorOf(() => parseSpec({ ...ok, env: { A: '{y}' } }, 'kv.json'))).toMatch(
      /env\.A: unknown placeholder \{y\}/,
    );
  });

  it('takes the default name when the spec has none', () => {
    expect(parseSpec({ start: ['x'] }, 'f', 'from-file').name).toBe('from-file');
  });
});

describe('placeholders', () => {
  const nodes = [
    { name: 'n1', ip: '10.0.0.1' },
    { name: 'n2', ip: '10.0.0.2' },
    { name: 'n3', ip: '10.0.0.3' },
  ];
  const v = placeholderValues('n2', nodes, 7000, '/var/lib/kv');

  it('gives each node its own values', () => {
    expect(v).toEqual({
      node: 'n2',
      nodes: 'n1,n2,n3',
      peers: '10.0.0.1:7000,10.0.0.3:7000',
      port: '7000',
      dataDir: '/var/lib/kv',
      ip: '10.0.0.2',
    });
  });

  it('substitutes inside an argument and leaves other braces alone', () => {
    expect(substitute('--listen={ip}:{port}', v)).toBe('--listen=10.0.0.2:7000');
    expect(substitute('{"a":1} {other}', v)).toBe('{"a":1} {other}');
    expect(unknownPlaceholders('{node}{other}{ip}{x_1}')).toEqual(['other', 'x_1']);
    expect(unknownPlaceholders('{"json": true}')).toEqual([]);
  });
});

describe('system files (--system path.json)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-decl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('loads a JSON file as a system named by its path, built with its files and protocol', () => {
    file('node.py', 'print(1)\n');
    const p = file(
      'my-kv.json',
      JSON.stringify({
        protocol: 'maelstrom',
        start: ['python3', '/opt/node.py'],
        files: [{ from: 'node.py', to: '/opt/node.py' }],
      }),
    );
    const d = findSystem(p);
    expect(d.name).toBe(p);
    const s = d.create('default');
    expect(s.name).toBe('my-kv');
    expect(s.needsCluster).toBe(true);
    expect(Object.keys(s.clients).sort()).toEqual(['list-append', 'register', 'set']);
    expect(s.packages).toContain('nodejs');
    expect(s.logFiles?.({} as never, { name: 'n1' })).toEqual(['/var/log/faultline/my-kv.log']);
  });

  it('a YAML file gives the same system as its JSON; bad YAML is one line', () => {
    const keys = { name: 'ykv', protocol: 'maelstrom', start: ['python3', 'kv.py', '{node}'], port: 7000 };
    const y = loadSystemFile(
      file('kv.yaml', 'name: ykv\nprotocol: maelstrom\nstart: [python3, kv.py, "{node}"]\nport: 7000\n'),
    ).create('default');
    const j = loadSystemFile(file('kv.json', JSON.stringify(keys))).create('default');
    expect(y.name).toBe('ykv');
    expect(Object.keys(y.clients).sort()).toEqual(Object.keys(j.clients).sort());
    expect(y.packages).toEqual(j.packages);
    expect(errorOf(() => loadSystemFile(file('bad.yml', 'start: [x\n')))).toMatch(/bad\.yml: not valid YAML/);
    expect(errorOf(() => loadSystemFile(file('odd.yaml', 'start: x\nprotocol: maelstrom\n')))).toMatch(
      /odd\.yaml: start: /,
    );
  });

  it('one-line errors for a missing file, bad JSON, and a missing file to upload', () => {
    expect(errorOf(() => loadSystemFile(join(dir, 'nope.json')))).toMatch(/no such file: check the path/);
    expect(errorOf(() => loadSystemFile(file('bad.json', '{"start": [')))).toMatch(
      /bad\.json: not valid JSON/,
    );
    const p = file(
      'up.json',
      JSON.stringify({ protocol: 'maelstrom', start: ['x'], files: [{ from: 'absent.bin', to: '/opt/a' }] }),
    );
    expect(errorOf(() => loadSystemFile(p))).toMatch(/up\.json: files\[0\]\.from: absent\.bin: no such file/);
    expect(errorOf(() => loadSystemFile(file('plain.json', '{"start": ["x"]}')))).toMatch(
      /plain\.json: protocol: missing: a system file needs "protocol": "maelstrom"/,
    );
  });

  it('a test file object: checked the same way; without a protocol its clients come from the test file', () => {
    expect(errorOf(() => declarativeSystem({ name: 'x', start: 'kv' }))).toMatch(
      /^declarativeSystem: start: "kv": /,
    );
    const client = async () => ({ invoke: async () => ({ type: 'ok' as const }), close: async () => {} });
    const s = declarativeSystem({ name: 'x', start: ['kv'] }, { clients: { register: client } }).create(
      'default',
    );
    expect(Object.keys(s.clients)).toEqual(['register']);
    expect(s.version).toBeUndefined();
  });
});

describe('a declarative system in a test file (examples/maelstrom/leader-kv-test.ts)', () => {
  it('loads and resolves like the JSON file, with Maelstrom clients for the register workload', async () => {
    const def = await loadTestFile(
      new URL('../../../examples/maelstrom/leader-kv-test.ts', import.meta.url).pathname,
    );
    const r = resolveTest(def);
    expect(r.test.system).toBe('leader-kv');
    expect(r.test.fromTestFile).toEqual(['system']);
    expect(r.system.packages).toEqual(['nodejs']);
    expect(Object.keys(r.system.clients)).toContain('register');
  });
});
