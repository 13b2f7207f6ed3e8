import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { tarGzStream } from '../../../src/report/tar.ts';

const root = mkdtempSync(join(tmpdir(), 'faultline-tar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every entry of a .tar.gz stream (tar-stream's reader): name, type, contents. */
async function entries(s: NodeJS.ReadableStream): Promise<Map<string, { type: string; data: Buffer }>> {
  const out = new Map<string, { type: string; data: Buffer }>();
  const extract = tar.extract();
  s.pipe(createGunzip()).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const e of extract) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    out.set(e.header.name, { type: e.header.type ?? 'file', data: Buffer.concat(chunks) });
  }
  return out;
}

describe('the run folder archive (tar-stream)', () => {
  it('long and non-ASCII names, folders; a file that grows or shrinks while archived keeps its listed size', async () => {
    const run = join(root, 'run');
    mkdirSync(join(run, 'nodes', 'n1'), { recursive: true });
    const long = `${'x'.repeat(120)}-ünïcode.log`;
    writeFileSync(join(run, 'nodes', 'n1', long), 'long name\n');
    writeFileSync(join(run, 'grows.jsonl'), 'abc\n');
    writeFileSync(join(run, 'shrinks.jsonl'), 'abcdef\n');
    writeFileSync(join(run, 'skip.tmp'), 'temp');
    symlinkSync('/etc', join(run, 'outside'));
    const s = tarGzStream(run, 'run');
    // Both happen after the listing and before the contents are read (reading starts asynchronously).
    appendFileSync(join(run, 'grows.jsonl'), 'more\n');
    truncateSync(join(run, 'shrinks.jsonl'), 2);
    const got = await entries(s);
    expect([...got.keys()].sort()).toEqual(
      [
        'run/',
        'run/grows.jsonl',
        'run/nodes/',
        `run/nodes/n1/`,
        `run/nodes/n1/${long}`,
        'run/shrinks.jsonl',
      ].sort(),
    );
    expect(got.get('run/nodes/')!.type).toBe('directory');
    expect(got.get(`run/nodes/n1/${long}`)!.data.toString()).toBe('long name\n');
    expect(got.get('run/grows.jsonl')!.data.toString()).toBe('abc\n');
    expect(got.get('run/shrinks.jsonl')!.data).toEqual(Buffer.from('ab\0\0\0\0\0'));
  });
});
