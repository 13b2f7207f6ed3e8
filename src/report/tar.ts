/**
 * A tiny tar (ustar + pax for long names) writer, enough to archive a run folder: regular files and
 * directories only. Streams file contents, so a 1 GB history never sits in memory.
 */
import { createReadStream, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';

const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mode: number, mtime: number, type: '0' | '5' | 'x'): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name.slice(0, 100), 0, 'utf8');
  b.write(octal(mode & 0o7777, 8), 100, 'ascii');
  b.write(octal(0, 8), 108, 'ascii');
  b.write(octal(0, 8), 116, 'ascii');
  b.write(octal(size, 12), 124, 'ascii');
  b.write(octal(Math.floor(mtime), 12), 136, 'ascii');
  b.write('        ', 148, 'ascii'); // checksum placeholder: spaces while summing
  b.write(type, 156, 'ascii');
  b.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}

/** A pax extended header carrying a path too long (or too non-ASCII) for the ustar name field. */
function paxPath(path: string, mtime: number): Buffer[] {
  const body = (len: number) => `${len} path=${path}\n`;
  let len = Buffer.byteLength(body(0));
  while (Buffer.byteLength(body(len)) !== len) len = Buffer.byteLength(body(len));
  const data = Buffer.from(body(len));
  return [header('PaxHeader', data.length, 0o644, mtime, 'x'), data, Buffer.alloc(pad(data.length))];
}

const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

interface Entry {
  abs: string;
  name: string;
  dir: boolean;
  size: number;
  mode: number;
  mtime: number;
}

/** Files under `root` (symlinks followed only when they stay inside `within`), sorted, as archive entries. */
export function tarEntries(root: string, prefix: string, within: string): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<string>([realpathSync(root)]);
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      let real: string;
      try {
        real = realpathSync(abs);
      } catch {
        continue;
      }
      if (real !== within && !real.startsWith(within + sep)) continue;
      const st = statSync(real);
      const rel = `${prefix}/${relative(root, abs).split(sep).join('/')}`;
      if (st.isDirectory()) {
        if (seen.has(real)) continue; // a symlink loop
        seen.add(real);
        out.push({ abs: real, name: `${rel}/`, dir: true, size: 0, mode: 0o755, mtime: st.mtimeMs / 1000 });
        walk(abs);
      } else if (st.isFile() && !name.endsWith('.tmp')) {
        out.push({ abs: real, name: rel, dir: false, size: st.size, mode: 0o644, mtime: st.mtimeMs / 1000 });
      }
    }
  };
  out.push({
    abs: root,
    name: `${prefix}/`,
    dir: true,
    size: 0,
    mode: 0o755,
    mtime: statSync(root).mtimeMs / 1000,
  });
  walk(root);
  return out;
}

async function* tarChunks(entries: Entry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    const long = Buffer.byteLength(e.name) > 100 || /[^\x20-\x7e]/.test(e.name);
    if (long) yield* paxPath(e.name, e.mtime);
    if (e.dir) {
      yield header(long ? 'dir/' : e.name, 0, e.mode, e.mtime, '5');
      continue;
    }
    // The size goes in the header first, so a file that grows meanwhile is cut at that size.
    yield header(long ? 'file' : e.name, e.size, e.mode, e.mtime, '0');
    let written = 0;
    if (e.size > 0) {
      for await (const chunk of createReadStream(e.abs, { start: 0, end: e.size - 1 })) {
        const buf = chunk as Buffer;
        written += buf.length;
        yield buf;
      }
    }
    if (written < e.size) yield Buffer.alloc(e.size - written); // the file shrank: keep the archive aligned
    yield Buffer.alloc(pad(e.size));
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** A gzipped tar of `root`, entries named `prefix/...`. */
export function tarGzStream(root: string, prefix: string, within: string = root): Readable {
  const entries = tarEntries(root, prefix, within);
  return Readable.from(tarChunks(entries)).pipe(createGzip());
}
