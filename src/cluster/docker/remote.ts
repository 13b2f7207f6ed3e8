/** A node as a Docker container: exec API for commands, archives for files, nsenter from the host for faults. */
import { existsSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecOptions, ExecResult, Remote } from '../../core/remote.ts';
import { shellJoin } from '../../util/shell.ts';
import { type Engine, engineErrorMessage, isNotFound, oneLine } from './engine.ts';
import { hostExec, killTree } from './host-exec.ts';
import { packTar, unpackTar } from './tar.ts';

/** Splits Docker's multiplexed exec stream (8-byte frame headers) into stdout and stderr. */
export class Demuxer {
  readonly stdout: Buffer[] = [];
  readonly stderr: Buffer[] = [];
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    while (this.#buf.length >= 8) {
      const kind = this.#buf[0];
      const len = this.#buf.readUInt32BE(4);
      if (this.#buf.length < 8 + len) break;
      const payload = this.#buf.subarray(8, 8 + len);
      (kind === 2 ? this.stderr : this.stdout).push(payload);
      this.#buf = this.#buf.subarray(8 + len);
    }
  }
}

/** How to show an argv in messages: shell-quoted, so what ran is unambiguous. */
export const showArgv = shellJoin;

export interface DockerRemoteInit {
  engine: Engine;
  name: string;
  ip: string;
  containerId: string;
  /** Host pid of the container's init (for nsenter); 0 when unknown or the engine is remote. */
  pid: number;
}

export class DockerRemote implements Remote {
  readonly name: string;
  readonly ip: string;
  readonly containerId: string;
  readonly #engine: Engine;
  readonly #container: Docker.Container;
  #pid: number;
  #netns: string | null;
  /** True from our crash() until restart() brought it back: its container being down is planned. */
  #crashedByUs = false;

  constructor(init: DockerRemoteInit) {
    this.name = init.name;
    this.ip = init.ip;
    this.containerId = init.containerId;
    this.#engine = init.engine;
    this.#container = init.engine.docker.getContainer(init.containerId);
    this.#pid = init.pid;
    this.#netns = this.#readNetns(init.pid);
  }

  /** Host pid of the node's init process (changes when the container restarts); 0 for a remote engine. */
  get pid(): number {
    return this.#pid;
  }

  /** True when netExec enters the namespace from the host (fast), false when it goes through exec. */
  get netFromHost(): boolean {
    return this.#engine.local && this.#pid > 0 && nsenterUsable();
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new Error(`${this.name}: exec needs a command`);
    const hasStdin = opts.stdin !== undefined;
    let exec: Docker.Exec;
    try {
      exec = await this.#container.exec({
        Cmd: [...argv],
        AttachStdin: hasStdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        ...(opts.user ? { User: opts.user } : {}),
        ...(opts.env ? { Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) } : {}),
        ...(opts.cwd ? { WorkingDir: opts.cwd } : {}),
      });
    } catch (err) {
      throw new Error(
        `${this.name}: cannot exec ${showArgv(argv)}: ${engineErrorMessage(err, this.#engine.endpoint)}`,
      );
    }
    let sock: Duplex;
    try {
      sock = (await exec.start({ hijack: true, stdin: hasStdin })) as Duplex;
    } catch (err) {
      throw new Error(
        `${this.name}: cannot exec ${showArgv(argv)}: ${engineErrorMessage(err, this.#engine.endpoint)}`,
      );
    }
    const demux = new Demuxer();
    let timedOut = false;
    const ended = new Promise<void>((resolve) => {
      sock.on('data', (c: Buffer) => demux.push(c));
      sock.on('end', resolve);
      sock.on('close', resolve);
      sock.on('error', () => resolve());
    });
    if (hasStdin) {
      // Half-close after the input: the engine then closes the command's stdin.
      sock.write(Buffer.from(opts.stdin as string | Uint8Array));
      sock.end();
    }
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        void this.#killExec(exec).finally(() => {
          // Anything still holding the stream open (a remote engine, a detached child) is cut off.
          setTimeout(() => sock.destroy(), 500).unref();
        });
      }, opts.timeoutMs);
    }
    // A command that leaves a background child holding its stdout (`sh -c 'daemon &'`) would keep the stream
    // open forever: once the command itself has exited, stop waiting for the child.
    let watching = true;
    const watch = async () => {
      await sleep(500);
      while (watching) {
        const info = await exec.inspect().catch(() => null);
        if (!watching) return;
        if (info && !info.Running) {
          await sleep(200); // Let the last output arrive.
          sock.destroy();
          return;
        }
        await sleep(250);
      }
    };
    void watch();
    await ended;
    watching = false;
    clearTimeout(timer);
    sock.destroy(); // A half-closed hijacked socket would otherwise linger until the engine closes it.
    const exitCode = await this.#exitCode(exec, timedOut);
    return startFailure({
      exitCode,
      stdout: Buffer.concat(demux.stdout).toString(),
      stderr: Buffer.concat(demux.stderr).toString(),
      timedOut,
    });
  }

  /** The exec's exit code; the engine may report it a moment after the stream ends. */
  async #exitCode(exec: Docker.Exec, timedOut: boolean): Promise<number> {
    for (let i = 0; i < 200; i++) {
      const info = await exec.inspect().catch(() => null);
      if (!info) return -1;
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      if (timedOut && i > 20) return 137;
      await sleep(i < 10 ? 5 : 25);
    }
    return -1;
  }

  async #killExec(exec: Docker.Exec): Promise<void> {
    if (!this.#engine.local) return; // No way to reach a remote host's pid; the stream is cut instead.
    const info = await exec.inspect().catch(() => null);
    if (info?.Pid) killTree(info.Pid);
  }

  async run(argv: readonly string[], opts: ExecOptions = {}): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.exitCode !== 0 || r.timedOut) {
      const why = r.timedOut ? `timed out after ${opts.timeoutMs} ms` : `exited ${r.exitCode}`;
      const detail = oneLine(r.stderr || r.stdout).slice(0, 300);
      throw new Error(`${this.name}: ${showArgv(argv)} ${why}${detail ? `: ${detail}` : ''}`);
    }
    return r.stdout;
  }

  async netExec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.#engine.local && nsenterUsable()) {
      const pid = await this.#currentPid();
      if (pid > 0) return hostExec(['nsenter', '-t', String(pid), '-n', ...argv], opts);
    }
    return this.exec(argv, opts);
  }

  /** The init pid, re-read from the engine when the container was restarted since we last looked. */
  async #currentPid(): Promise<number> {
    if (this.#pid > 0 && this.#netns !== null && this.#readNetns(this.#pid) === this.#netns) return this.#pid;
    const info = await this.#container.inspect();
    this.#pid = info.State.Pid ?? 0;
    this.#netns = this.#readNetns(this.#pid);
    return this.#pid;
  }

  #readNetns(pid: number): string | null {
    if (!this.#engine.local || pid <= 0) return null;
    try {
      return readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
      return null;
    }
  }

  /** Whole-node crash: SIGKILL to the container (every process dies at once, like a power cut). */
  async crash(): Promise<void> {
    this.#crashedByUs = true;
    try {
      await this.#container.kill({ signal: 'SIGKILL' });
    } catch (err) {
      // 409: already stopped — the crash has happened either way.
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    }
    for (let i = 0; i < 100 && (await this.running()); i++) await sleep(50);
  }

  /** Starts the crashed container again (its filesystem survives; processes and netns are new). */
  async restart(): Promise<void> {
    if (!(await this.running())) {
      try {
        await this.#container.start();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 304) throw err; // 304: already started
      }
    }
    await this.#currentPid();
    this.#crashedByUs = false;
  }

  /** Is the container down because faultline's crash nemesis crashed it (not restarted yet)? */
  get crashedByFaultline(): boolean {
    return this.#crashedByUs;
  }

  async running(): Promise<boolean> {
    const info = await this.#container.inspect();
    return info.State.Running === true && info.State.Paused !== true;
  }

  async upload(remotePath: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
    const path = absolute(this.name, remotePath);
    // Only the file's entry: the engine creates missing parents and leaves existing folders' modes alone.
    const archive = await packTar([{ name: path.slice(1), type: 'file', data, mode, mtime: new Date() }]);
    try {
      await this.#container.putArchive(archive, { path: '/' });
    } catch (err) {
      throw new Error(
        `${this.name}: cannot upload ${path}: ${engineErrorMessage(err, this.#engine.endpoint)}`,
      );
    }
  }

  async download(remotePath: string): Promise<Uint8Array> {
    let path = absolute(this.name, remotePath);
    for (let hop = 0; hop < 8; hop++) {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await this.#container.getArchive({ path });
      } catch (err) {
        if (isNotFound(err)) throw new Error(`${this.name}: no such file ${path}`);
        throw new Error(
          `${this.name}: cannot download ${path}: ${engineErrorMessage(err, this.#engine.endpoint)}`,
        );
      }
      const entries = await unpackTar(stream as unknown as import('node:stream').Readable);
      const first = entries[0];
      if (!first) throw new Error(`${this.name}: empty archive for ${path}`);
      if (first.type === 'symlink' && first.target) {
        path = posix.resolve(posix.dirname(path), first.target);
        continue;
      }
      if (first.type !== 'file') throw new Error(`${this.name}: ${path} is a ${first.type}, not a file`);
      return new Uint8Array(first.data);
    }
    throw new Error(`${this.name}: too many symlinks at ${remotePath}`);
  }
}

/**
 * The engine reports a command that could not start (missing binary, unknown user) as exit 126 with its message
 * on stdout. Move the message to stderr and use the shell's 127 for "not found", as callers expect.
 */
export function startFailure(r: ExecResult): ExecResult {
  if (
    r.exitCode !== 126 ||
    r.stderr !== '' ||
    !/^(OCI runtime exec failed|unable to find user)/.test(r.stdout)
  )
    return r;
  const notFound = /exec: "[^"]*": (stat .*no such file or directory|executable file not found)/.test(
    r.stdout,
  );
  return { ...r, exitCode: notFound ? 127 : 126, stdout: '', stderr: `${r.stdout.trim()}\n` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function absolute(node: string, p: string): string {
  if (!p.startsWith('/')) throw new Error(`${node}: path must be absolute: ${p}`);
  return posix.normalize(p);
}

let nsenterOk: boolean | undefined;
/** The fast path needs nsenter on the host and root (entering another process's namespace). */
function nsenterUsable(): boolean {
  nsenterOk ??=
    process.getuid?.() === 0 &&
    ['/usr/bin/nsenter', '/bin/nsenter', '/usr/sbin/nsenter'].some((p) => existsSync(p));
  return nsenterOk;
}
