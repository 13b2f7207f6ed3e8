/**
 * A node reached over SSH: commands are exec channels on the host's one connection, files go over SFTP.
 * Every command line is built from argv by quoting each element (quote.ts). For a non-root login user
 * with `sudo`, commands run under `sudo`, the password being the first line of the command's stdin
 * (never on a command line), and files are moved into place with `sudo install`.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { constants } from 'node:os';
import { posix } from 'node:path';
import { UserError } from '../../core/errors.ts';
import type { ExecOptions, ExecResult, Remote } from '../../core/remote.ts';
import type { Logger } from '../../util/log.ts';
import { silentLogger } from '../../util/log.ts';
import { shellJoin } from '../../util/shell.ts';
import { FAULT_HELPER_PREFIX, processState, RUN_DIR, systemDaemonPids } from '../daemon.ts';
import { errorLine, type SshConnection } from './connection.ts';
import { quoteArgv, remoteCommand, type WrapOptions } from './quote.ts';

/** How an SshRemote is made (by SshCluster, or directly in tests). */
export interface SshRemoteInit {
  /** The node's name in the run. */
  name: string;
  /** The host's address (its name resolved once). */
  ip: string;
  connection: SshConnection;
  /** Run commands through sudo (the login user is not root). */
  sudo?: boolean;
  /** The sudo password (fed on stdin); none: `sudo -n`. */
  sudoPassword?: string;
  logger?: Logger;
}

/** An exec's output as bytes (download through `cat` needs them unchanged). */
interface RawResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
  timedOut: boolean;
}

/** After the command exited, close the channel once no output came for this long, ms... */
const DRAIN_IDLE_MS = 1000;
/** ...or this long after the exit at the latest (a background child writing for ever), ms. */
const DRAIN_MAX_MS = 30_000;
/** After the remote `timeout` should have killed the command, how long until we close the channel, ms. */
const TIMEOUT_GRACE_MS = 5000;

export class SshRemote implements Remote {
  /** Set by crash(), cleared by restart(). */
  #crashed = false;
  readonly name: string;
  readonly ip: string;
  readonly connection: SshConnection;
  readonly #sudo: boolean;
  readonly #sudoPassword: string | undefined;
  readonly #log: Logger;
  /** How sudo is used, found out on first use (see #sudoMode). */
  #mode: Promise<WrapOptions['sudo']> | null = null;
  #controlIp: Promise<string | undefined> | undefined;

  constructor(init: SshRemoteInit) {
    this.name = init.name;
    this.ip = init.ip;
    this.connection = init.connection;
    this.#sudo = (init.sudo ?? false) && init.connection.host.username !== 'root';
    this.#sudoPassword = init.sudoPassword;
    this.#log = init.logger ?? silentLogger;
  }

  /**
   * This machine's address towards the host: the local address the kernel picks for the host's SSH
   * address and port (a UDP socket's connect sends nothing). Behind NAT the host sees another address;
   * then packet faults do touch the control connection (docs/ssh.md). Cached; undefined if it fails.
   */
  controlIp(): Promise<string | undefined> {
    this.#controlIp ??= new Promise((resolve) => {
      const sock = createSocket(isIPv6(this.ip) ? 'udp6' : 'udp4');
      const done = (ip: string | undefined) => {
        sock.close();
        resolve(ip);
      };
      sock.on('error', () => done(undefined));
      sock.connect(this.connection.host.port, this.ip, () => {
        try {
          done(sock.address().address);
        } catch {
          done(undefined);
        }
      });
    });
    return this.#controlIp;
  }

  /** The user commands run as when `ExecOptions.user` is not given. */
  get effectiveUser(): string {
    return this.#sudo ? 'root' : this.connection.host.username;
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.#execRaw(argv, opts);
    return { ...r, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }

  /** Like exec, but stdout as bytes, unchanged (archives, binary files). */
  async execBytes(
    argv: readonly string[],
    opts: ExecOptions = {},
  ): Promise<{ exitCode: number; stdout: Buffer; stderr: string; timedOut: boolean }> {
    const r = await this.#execRaw(argv, opts);
    return { ...r, stderr: r.stderr.toString() };
  }

  async run(argv: readonly string[], opts: ExecOptions = {}): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.exitCode !== 0 || r.timedOut) {
      const why = r.timedOut ? `timed out after ${opts.timeoutMs} ms` : `exited ${r.exitCode}`;
      const detail = (r.stderr || r.stdout).replace(/\s+/g, ' ').trim().slice(0, 300);
      throw new Error(`${this.name}: ${shellJoin(argv)} ${why}${detail ? `: ${detail}` : ''}`);
    }
    return r.stdout;
  }

  /** The host's own network namespace is the node's: the same as exec. */
  netExec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(argv, opts);
  }

  async #execRaw(argv: readonly string[], opts: ExecOptions): Promise<RawResult> {
    if (argv.length === 0) throw new Error(`${this.name}: exec needs a command`);
    const sudo = await this.#sudoMode();
    const user = opts.user && opts.user !== this.effectiveUser ? opts.user : undefined;
    const command = remoteCommand(argv, {
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      ...(user ? { user } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(sudo ? { sudo } : {}),
    });
    const input: Buffer[] = [];
    if (sudo === 'password') input.push(Buffer.from(`${this.#sudoPassword}\n`));
    if (opts.stdin !== undefined) input.push(Buffer.from(opts.stdin));
    const r = await this.#channel(command, Buffer.concat(input), opts.timeoutMs);
    if (sudo) this.#checkSudoRefusal(r);
    return r;
  }

  /** Runs one command line on a channel; stdin is written and closed at once. */
  async #channel(command: string, stdin: Buffer, timeoutMs: number | undefined): Promise<RawResult> {
    // Counted from before the channel opens, so the host's `timeout` (started later) cannot fire first.
    const t0 = performance.now();
    const { channel, release, exit } = await this.connection.exec(command);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let code: number | null = null;
    let signal: string | undefined;
    let exited = false;
    let cut = false;
    const timers: NodeJS.Timeout[] = [];
    try {
      await new Promise<void>((resolve) => {
        // sshd may report the exit before the last output; and a background child still holding stdout
        // would keep the channel open for ever. So after the exit, wait while output keeps coming (up to
        // a limit), then close the channel ourselves.
        let idle: NodeJS.Timeout | undefined;
        const arm = () => {
          clearTimeout(idle);
          idle = setTimeout(() => channel.close(), DRAIN_IDLE_MS);
          timers.push(idle);
        };
        channel.on('data', (b: Buffer) => {
          out.push(b);
          if (exited) arm();
        });
        channel.stderr.on('data', (b: Buffer) => {
          err.push(b);
          if (exited) arm();
        });
        void exit.then((e) => {
          code = e.code;
          signal = e.signal;
          exited = true;
          arm();
          timers.push(setTimeout(() => channel.close(), DRAIN_MAX_MS));
        });
        channel.on('close', () => resolve());
        channel.on('error', () => resolve());
        if (timeoutMs !== undefined) {
          timers.push(
            setTimeout(() => {
              // The host's `timeout` should have killed it by now; cut the channel ourselves.
              cut = true;
              try {
                channel.signal('KILL');
              } catch {
                // Not every sshd takes signals; closing is enough.
              }
              channel.close();
              resolve();
            }, timeoutMs + TIMEOUT_GRACE_MS),
          );
        }
        channel.end(stdin);
      });
      if (!exited) {
        const e = await exit; // Settled by now: 'close' settles it too.
        code = e.code;
        signal = e.signal;
      }
    } finally {
      for (const t of timers) clearTimeout(t);
      release();
    }
    const sigNo = signal ? (constants.signals as Record<string, number>)[signal] : undefined;
    const exitCode = code ?? (sigNo !== undefined ? 128 + sigNo : -1);
    const killed = exitCode === 137;
    const late = timeoutMs !== undefined && performance.now() - t0 >= timeoutMs;
    return {
      exitCode,
      stdout: Buffer.concat(out),
      stderr: Buffer.concat(err),
      timedOut: cut || (killed && late),
    };
  }

  /**
   * Whether and how commands go through sudo. With a password, first asks `sudo -k -n true`: a host
   * whose sudoers says NOPASSWD would not read the password, which would then reach the command's stdin.
   */
  #sudoMode(): Promise<WrapOptions['sudo']> {
    if (!this.#sudo) return Promise.resolve(undefined);
    this.#mode ??= (async () => {
      if (this.#sudoPassword === undefined) return 'nopasswd' as const;
      const probe = await this.#channel(
        `exec ${quoteArgv(['sudo', '-k', '-n', 'true'])}`,
        Buffer.alloc(0),
        30_000,
      );
      const mode = probe.exitCode === 0 ? ('nopasswd' as const) : ('password' as const);
      if (mode === 'password') {
        // Checks the password once, up front, and takes sudo's first-use lecture (Debian: lecture=once)
        // off the stderr of the first real command.
        const first = await this.#channel(
          remoteCommand(['true'], { sudo: 'password' }),
          Buffer.from(`${this.#sudoPassword}\n`),
          30_000,
        );
        this.#checkSudoRefusal(first);
        if (first.exitCode !== 0)
          throw new Error(
            `${this.name}: sudo true exited ${first.exitCode}: ${first.stderr.toString().trim()}`,
          );
      }
      this.#log.debug(
        `${this.name}: sudo ${mode === 'nopasswd' ? 'needs no password' : 'reads the password on stdin'}`,
      );
      return mode;
    })();
    this.#mode.catch(() => {
      this.#mode = null; // A failed probe (connection down) is asked again next time.
    });
    return this.#mode;
  }

  /** sudo itself refusing (bad password, not a sudoer) fails every command: one line, thrown. */
  #checkSudoRefusal(r: RawResult): void {
    if (r.exitCode !== 1) return;
    const e = r.stderr.toString();
    const who = `${this.name}: sudo as ${this.connection.host.username}`;
    if (/incorrect password attempt|Sorry, try again/.test(e))
      throw new UserError(`${who} refused the password (check --sudo-password)`);
    if (/a password is required|no password was provided/.test(e))
      throw new UserError(`${who} needs a password: give --sudo-password`);
    if (/is not in the sudoers file|is not allowed to execute/.test(e))
      throw new UserError(`${who} is not allowed (not in sudoers on ${this.connection.host.host})`);
  }

  /**
   * The crash family over SSH ("kill/pause/crash (signals to the system's pid)", issue 16). A host cannot
   * be power-cycled from here, so a crash is SIGKILL, in one command, to every system process faultline
   * started on the host: each daemon's whole process group (the real one, from `ps`: start-stop-daemon's
   * group leader has already exited), then the daemon itself. `pkill -g`: dash's kill reads `-PGID` as an
   * option. Nothing shuts down cleanly; the host, its disks and its network rules stay.
   * Faultline's fault helpers (FAULT_HELPER_PREFIX, e.g. the packet family's fl-delay) are spared: they
   * belong with the host's network rules, which a crash here leaves in place, so a packet fault stays
   * whole across the crash (killing fl-delay alone would turn its delay off — NFQUEUE bypasses a queue
   * nobody reads — while the loss rules stayed) and its own heal removes it all, as without a crash.
   * Throws when the host cannot be reached.
   */
  async crash(): Promise<void> {
    this.#crashed = true;
    const script =
      'for f in "$0"/*.pid; do [ -f "$f" ] || continue; case "$(basename "$f")" in "$1"*) continue;; esac; ' +
      'p=$(cat "$f"); ' +
      'g=$(ps -o pgid= -p "$p" 2>/dev/null | tr -d " "); ' +
      '[ -n "$g" ] && pkill -KILL -g "$g"; kill -s KILL "$p" 2>/dev/null; done; true';
    await this.run(['sh', '-c', script, RUN_DIR, FAULT_HELPER_PREFIX], { timeoutMs: 30_000 });
  }

  /** Ends the crashed state; the process nemesis then starts the system again, as after a reboot. */
  async restart(): Promise<void> {
    this.#crashed = false;
  }

  /**
   * Whether the node is "up" for the crash family: true unless crashed; after a crash, true while any
   * system process faultline started still runs (a crash that did not take; fault helpers are spared).
   */
  async running(): Promise<boolean> {
    if (!this.#crashed) return true;
    for (const pid of Object.values(await systemDaemonPids(this))) {
      const s = await processState(this, pid);
      if (s !== undefined && s !== 'Z') return true;
    }
    return false;
  }

  async upload(remotePath: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
    const path = absolute(this.name, remotePath);
    const dir = posix.dirname(path);
    const bytes = Buffer.from(data);
    const modeText = (mode & 0o7777).toString(8).padStart(4, '0');
    await this.run(['mkdir', '-p', '--', dir], { timeoutMs: 60_000 });
    const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
    if (this.#sudo) {
      // SFTP runs as the login user: write where it may, then let root install the file in place.
      const tmp = `/tmp/.faultline-upload-${tag}`;
      await this.#sftpWrite(tmp, bytes, 0o600, path);
      const next = `${path}.faultline-${tag}`;
      const r = await this.exec(
        [
          'sh',
          '-c',
          'install -m "$1" -- "$2" "$3" && mv -f -- "$3" "$4"; s=$?; rm -f -- "$2"; exit $s',
          'sh',
          modeText,
          tmp,
          next,
          path,
        ],
        { timeoutMs: 60_000 },
      );
      if (r.exitCode !== 0)
        throw new Error(`${this.name}: cannot upload ${path}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
      return;
    }
    const tmp = `${dir}/.${posix.basename(path)}.faultline-${tag}`;
    await this.#sftpWrite(tmp, bytes, mode & 0o7777, path);
    const sftp = await this.connection.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.ext_openssh_rename(tmp, path, (e) => (e ? reject(e) : resolve())),
    ).catch(async (e: unknown) => {
      await new Promise<void>((r) => sftp.unlink(tmp, () => r()));
      throw new Error(`${this.name}: cannot upload ${path}: ${errorLine(e)}`);
    });
  }

  /** Writes `data` to `path` over SFTP and sets its mode (umask would otherwise change it). */
  async #sftpWrite(path: string, data: Buffer, mode: number, shownPath: string): Promise<void> {
    const sftp = await this.connection.sftp();
    try {
      await new Promise<void>((resolve, reject) =>
        sftp.writeFile(path, data, { mode: 0o600 }, (e) => (e ? reject(e) : resolve())),
      );
      await new Promise<void>((resolve, reject) =>
        sftp.chmod(path, mode, (e) => (e ? reject(e) : resolve())),
      );
    } catch (e) {
      await new Promise<void>((r) => sftp.unlink(path, () => r()));
      throw new Error(`${this.name}: cannot upload ${shownPath}: ${errorLine(e)}`);
    }
  }

  async download(remotePath: string): Promise<Uint8Array> {
    const path = absolute(this.name, remotePath);
    if (this.#sudo) {
      // The login user may not read it: root `cat`s it through the channel (bytes unchanged).
      const r = await this.#execRaw(['cat', '--', path], { timeoutMs: 300_000 });
      if (r.exitCode !== 0) {
        const why = r.stderr.toString().trim();
        if (/No such file/.test(why)) throw new Error(`${this.name}: no such file ${path}`);
        throw new Error(`${this.name}: cannot download ${path}: ${why || `exit ${r.exitCode}`}`);
      }
      return new Uint8Array(r.stdout);
    }
    const sftp = await this.connection.sftp();
    try {
      const data = await new Promise<Buffer>((resolve, reject) =>
        sftp.readFile(path, (e, d) => (e ? reject(e) : resolve(d))),
      );
      return new Uint8Array(data);
    } catch (e) {
      if ((e as { code?: number }).code === 2) throw new Error(`${this.name}: no such file ${path}`);
      throw new Error(`${this.name}: cannot download ${path}: ${errorLine(e)}`);
    }
  }
}

function absolute(node: string, p: string): string {
  if (!p.startsWith('/')) throw new Error(`${node}: path must be absolute: ${p}`);
  return posix.normalize(p);
}
