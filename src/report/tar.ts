/**
 * A run folder as a .tar.gz, written with tar-stream (pax headers for long names, base-256 sizes past
 * 8 GiB): regular files and directories only. Streams file contents, so a 1 GB history never sits in
 * memory. The walk keeps symlinks inside the results folder.
 */
import { createReadStream, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

interface Entry {
  abs: string;
  name: string;
  dir: boolean;
  size: number;
  mode: number;
  /** Modification time, ms since the epoch (as fs.Stats.mtimeMs). */
  mtimeMs: number;
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
        out.push({ abs: real, name: `${rel}/`, dir: true, size: 0, mode: 0o755, mtimeMs: st.mtimeMs });
        walk(abs);
      } else if (st.isFile() && !name.endsWith('.tmp')) {
        out.push({ abs: real, name: rel, dir: false, size: st.size, mode: 0o644, mtimeMs: st.mtimeMs });
      }
    }
  };
  out.push({
    abs: root,
    name: `${prefix}/`,
    dir: true,
    size: 0,
    mode: 0o755,
    mtimeMs: statSync(root).mtimeMs,
  });
  walk(root);
  return out;
}

/** Writes every entry into `pack` with backpressure, then finalizes it (or destroys it on an error). */
async function fill(pack: tar.Pack, entries: Entry[]): Promise<void> {
  try {
    for (const e of entries) {
      const mtime = new Date(e.mtimeMs);
      if (e.dir) {
        await new Promise<void>((ok, fail) =>
          pack.entry({ name: e.name, type: 'directory', mode: e.mode, mtime }, (err) =>
            err ? fail(err) : ok(),
          ),
        );
        continue;
      }
      // The size goes in the header first, so a file that grows meanwhile is cut at that size.
      let sink!: ReturnType<tar.Pack['entry']>;
      const done = new Promise<void>((ok, fail) => {
        const header = { name: e.name, type: 'file' as const, size: e.size, mode: e.mode, mtime };
        sink = pack.entry(header, (err) => (err ? fail(err) : ok()));
      });
      let written = 0;
      const write = (buf: Buffer) =>
        sink.write(buf) ? Promise.resolve() : new Promise<void>((ok) => sink.once('drain', () => ok()));
      if (e.size > 0) {
        for await (const chunk of createReadStream(e.abs, { start: 0, end: e.size - 1 })) {
          const buf = chunk as Buffer;
          written += buf.length;
          await write(buf);
        }
      }
      if (written < e.size) await write(Buffer.alloc(e.size - written)); // the file shrank: keep the size
      sink.end(undefined); // streamx's end takes an optional last chunk; its types want the argument
      await done;
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
  }
}

/** A gzipped tar of `root`, entries named `prefix/...`. */
export function tarGzStream(root: string, prefix: string, within: string = root): Readable {
  const entries = tarEntries(root, prefix, within);
  const pack = tar.pack();
  void fill(pack, entries);
  return pack.pipe(createGzip());
}
