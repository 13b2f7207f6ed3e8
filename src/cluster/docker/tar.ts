/** Tar archives in memory (tar-stream): image root filesystems, build contexts, and file copies to/from nodes. */
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

export interface TarEntry {
  /** Path inside the archive, relative, no leading slash. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode?: number;
  uid?: number;
  gid?: number;
  /** File contents (type 'file'). */
  data?: Uint8Array | string;
  /** Link target (type 'symlink'). */
  target?: string;
  /** Default: the epoch, so archives (and image hashes) depend only on contents. */
  mtime?: Date;
}

const EPOCH = new Date(0);

/** Packs entries into one tar buffer, in the given order. */
export async function packTar(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const header: tar.Header = {
      size: 0,
      linkname: '',
      uname: '',
      gname: '',
      devmajor: 0,
      devminor: 0,
      name: e.name.replace(/^\/+/, ''),
      type: e.type,
      mode: e.mode ?? (e.type === 'directory' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: e.mtime ?? EPOCH,
    };
    if (e.type === 'symlink') header.linkname = e.target ?? '';
    const body = e.type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface ExtractedEntry {
  name: string;
  type: string;
  mode: number;
  data: Buffer;
  target?: string;
}

/** Reads every entry of a tar stream into memory (for the small archives getArchive returns). */
export async function unpackTar(source: Readable | Buffer, maxBytes = 1 << 30): Promise<ExtractedEntry[]> {
  const extract = tar.extract();
  const out: ExtractedEntry[] = [];
  let total = 0;
  const feed = Buffer.isBuffer(source) ? null : source;
  if (feed) {
    feed.on('error', (err) => extract.destroy(err));
    feed.pipe(extract);
  } else extract.end(source);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) {
      const c = chunk as Buffer;
      total += c.length;
      if (total > maxBytes) throw new Error(`archive larger than ${maxBytes} bytes`);
      chunks.push(c);
    }
    const h = entry.header;
    out.push({
      name: h.name,
      type: h.type ?? 'file',
      mode: h.mode ?? 0o644,
      data: Buffer.concat(chunks),
      ...(h.linkname ? { target: h.linkname } : {}),
    });
  }
  return out;
}
