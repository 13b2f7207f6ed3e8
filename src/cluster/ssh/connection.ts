/**
 * One multiplexed SSH connection (an `ssh2` Client) per host. Every command is a channel on it; an SFTP
 * session is opened once and reused. The connection is made on first use and made again on the next use
 * after it dropped (the host rebooted, sshd restarted, a partition healed): keepalives notice a silent
 * drop. Failures are one line naming the host and user and saying why; passwords, passphrases and key
 * material never appear in messages or logs.
 */
import { existsSync, readFileSync } from 'node:fs';
import ssh2, { type Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { EnvironmentError, UserError } from '../../core/errors.ts';
import type { Logger } from '../../util/log.ts';
import { silentLogger } from '../../util/log.ts';
import { checkHostKey, hostKeyRefusal, type KnownHostEntry, knownKeyTypes } from './known-hosts.ts';
import type { SshAuth, SshHost } from './types.ts';

/**
 * Why `data` (the file `file`, from --ssh-private-key) cannot be used as a private key, as one line, or
 * undefined when it can: not a key at all, a public key (the `.pub`), an encrypted key without its
 * passphrase or with a wrong one, or another parse error of ssh2's `utils.parseKey`.
 */
export function privateKeyProblem(data: Buffer, file: string, passphrase?: string): string | undefined {
  const parsed = ssh2.utils.parseKey(data, passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined)
    return `--ssh-private-key ${file} holds no key: give a private key file such as ~/.ssh/id_ed25519`;
  if (key instanceof Error) {
    const why = errorLine(key);
    if (/no passphrase given/i.test(why) || (passphrase === undefined && /encrypted/i.test(why)))
      return `private key ${file} is encrypted: give its passphrase (--ssh-key-passphrase, or FAULTLINE_SSH_KEY_PASSPHRASE in the environment)`;
    if (passphrase !== undefined && /passphrase|decrypt|integrity/i.test(why))
      return `private key ${file} cannot be decrypted: the passphrase is wrong (${why})`;
    if (/unsupported key format/i.test(why))
      return `--ssh-private-key ${file} is not a private key (or is in a format ssh2 does not read): give an OpenSSH or PEM private key such as ~/.ssh/id_ed25519`;
    return `private key ${file} cannot be used: ${why}`;
  }
  if (!key.isPrivateKey())
    return `--ssh-private-key ${file} is a public key: give the private key (the file without .pub)`;
  return undefined;
}

/** Host-key policy of one connection. */
export interface HostKeyPolicy {
  /** Refuse unknown and changed keys (true), or accept any key (false). */
  strict: boolean;
  /** The parsed known_hosts entries. */
  entries: readonly KnownHostEntry[];
  /** The known_hosts path as shown in messages. */
  file: string;
}

/** Settings of one host's connection. */
export interface ConnectionOptions {
  host: SshHost;
  /** The address to connect to (the host's name resolved once); default `host.host`. */
  address?: string;
  auth: SshAuth;
  hostKeys: HostKeyPolicy;
  /** TCP + handshake + authentication, per attempt, ms (default 10 000). */
  connectTimeoutMs?: number;
  /** SSH keepalive interval, ms (default 5 000); 3 unanswered ones drop the connection. */
  keepaliveIntervalMs?: number;
  /**
   * Channels open at once (default 8): OpenSSH's MaxSessions defaults to 10 per connection, and the
   * SFTP session holds one.
   */
  maxChannels?: number;
  logger?: Logger;
}

/** How a remote command ended: its exit code, or the signal (`SIGKILL`) that ended it; null code and no signal when the channel closed without saying. */
export interface ExitStatus {
  code: number | null;
  signal?: string | undefined;
}

/** An open exec channel, its exit status, and the function freeing its slot (call once it closed). */
export interface ExecChannel {
  channel: ClientChannel;
  release: () => void;
  exit: Promise<ExitStatus>;
}

/** Host-key algorithms ssh2 offers, in its order; the types known_hosts has for a host go first. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** A counting semaphore: at most `n` holders at once, the rest wait in order. */
class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

/** One host's SSH connection, connected on demand. */
export class SshConnection {
  readonly host: SshHost;
  readonly #opts: ConnectionOptions;
  readonly #log: Logger;
  readonly #slots: Semaphore;
  #client: Client | null = null;
  #connecting: Promise<Client> | null = null;
  #sftp: Promise<SFTPWrapper> | null = null;
  #closed = false;
  /** Connections made so far (1 after the first; more after reconnects). */
  connects = 0;

  constructor(opts: ConnectionOptions) {
    this.host = opts.host;
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger;
    this.#slots = new Semaphore(opts.maxChannels ?? 8);
  }

  /** `user@host:port` as shown in messages (never a secret). */
  get label(): string {
    const h = this.host;
    const addr = h.host.includes(':') ? `[${h.host}]` : h.host;
    return `${h.username}@${addr}:${h.port}`;
  }

  /** True while a connection is up. */
  get connected(): boolean {
    return this.#client !== null;
  }

  /** The live client, connecting (again) when there is none. Throws a one-line error when it cannot. */
  client(): Promise<Client> {
    if (this.#closed) return Promise.reject(new Error(`${this.host.name}: SSH connection was closed`));
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  /**
   * Opens an exec channel for `command`, waiting for a free channel slot. Retried once on a fresh
   * connection when the old one turns out to be dead (the command cannot have started then).
   * Returns the channel and the function releasing its slot (call it when the channel closed).
   */
  async exec(command: string): Promise<ExecChannel> {
    const release = await this.#slots.acquire();
    try {
      for (let attempt = 0; ; attempt++) {
        const client = await this.client();
        try {
          return await new Promise<ExecChannel>((resolve, reject) => {
            client.exec(command, (err, channel) => {
              if (err) return reject(err);
              // Listen at once: a quick command's exit status can arrive in the same packet batch as the
              // channel's confirmation, before any later code could listen.
              const exit = new Promise<ExitStatus>((done) => {
                channel.once('exit', (code: number | null, signal?: string) => done({ code, signal }));
                channel.once('close', () => done({ code: null }));
              });
              resolve({ channel, release, exit });
            });
          });
        } catch (err) {
          const dead =
            this.#client !== client || /not connected|no response|closed|reset/i.test(errorLine(err));
          if (attempt > 0 || !dead) {
            throw new Error(`${this.host.name}: cannot start a command over SSH: ${errorLine(err)}`);
          }
          // The connection dropped under us: one more try on a new one.
          if (this.#client === client) this.drop();
        }
      }
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The connection's SFTP session (opened once per connection). */
  async sftp(): Promise<SFTPWrapper> {
    const client = await this.client();
    if (!this.#sftp) {
      const p = new Promise<SFTPWrapper>((resolve, reject) => {
        client.sftp((err, s) => (err ? reject(err) : resolve(s)));
      });
      this.#sftp = p;
      const forget = () => {
        if (this.#sftp === p) this.#sftp = null;
      };
      p.then((s) => s.on('close', forget), forget);
    }
    try {
      return await this.#sftp;
    } catch (err) {
      throw new Error(`${this.host.name}: cannot open SFTP: ${errorLine(err)}`);
    }
  }

  /** Closes the connection for good (later calls fail). Idempotent. */
  close(): void {
    this.#closed = true;
    this.#client?.end();
    this.#client = null;
    this.#sftp = null;
  }

  /** Drops the current connection (the next use connects again); for tests and after a node restart. */
  drop(): void {
    this.#client?.end();
    this.#client = null;
    this.#sftp = null;
  }

  async #connect(): Promise<Client> {
    const o = this.#opts;
    const h = this.host;
    const cfg = this.#config();
    const client = new ssh2.Client();
    let refusal: string | undefined;
    const entries = o.hostKeys.entries;
    const aliases = o.address && o.address !== h.host ? [o.address] : [];
    const known = knownKeyTypes(entries, h.host, h.port, aliases).flatMap((t) =>
      t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t],
    );
    const order = [...new Set([...known, ...HOST_KEY_ALGORITHMS])].filter((a) =>
      HOST_KEY_ALGORITHMS.includes(a),
    );
    cfg.algorithms = { serverHostKey: order as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    cfg.hostVerifier = (key: Buffer): boolean => {
      const check = checkHostKey(entries, h.host, h.port, key, aliases);
      const file = o.hostKeys.file;
      const why = hostKeyRefusal(check, h, key, file, check.kind === 'unknown' && !existsSync(file));
      if (why === undefined) return true;
      if (!o.hostKeys.strict && check.kind !== 'revoked') {
        this.#log.warn(`${why.split(';')[0]} (accepted: strict host key checking is off)`);
        return true;
      }
      refusal = why;
      return false;
    };
    const t0 = performance.now();
    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(
        () => {
          fail(new Error('timeout'));
          client.destroy();
        },
        (o.connectTimeoutMs ?? 10_000) + 1000,
      );
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(refusal ? new EnvironmentError(refusal) : this.#connectError(err));
      };
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#client = client;
        this.connects++;
        this.#log.debug(
          `${h.name}: SSH connected as ${this.label} in ${Math.round(performance.now() - t0)} ms`,
        );
        resolve(client);
      });
      client.on('error', (err) => {
        if (!settled) return fail(err);
        this.#log.debug(`${h.name}: SSH connection error: ${errorLine(err)}`);
      });
      client.on('close', () => {
        if (!settled) return fail(new Error('connection closed during the handshake'));
        if (this.#client === client) {
          this.#client = null;
          this.#sftp = null;
          if (!this.#closed) this.#log.debug(`${h.name}: SSH connection closed; reconnecting on next use`);
        }
      });
      try {
        client.connect(cfg);
      } catch (err) {
        fail(err);
      }
    });
  }

  /** ssh2's connect settings for this host (credentials included, so never log this object). */
  #config(): ConnectConfig {
    const o = this.#opts;
    const a = o.auth;
    const cfg: ConnectConfig = {
      host: o.address ?? o.host.host,
      port: o.host.port,
      username: o.host.username,
      readyTimeout: o.connectTimeoutMs ?? 10_000,
      keepaliveInterval: o.keepaliveIntervalMs ?? 5000,
      keepaliveCountMax: 3,
    };
    if (a.privateKeyPath) {
      let data: Buffer;
      try {
        data = readFileSync(a.privateKeyPath);
      } catch (err) {
        throw new UserError(
          `cannot read private key ${a.privateKeyPath}: ${(err as NodeJS.ErrnoException).code ?? errorLine(err)} (check --ssh-private-key)`,
        );
      }
      const problem = privateKeyProblem(data, a.privateKeyPath, a.passphrase);
      if (problem) throw new UserError(problem);
      cfg.privateKey = data;
      if (a.passphrase) cfg.passphrase = a.passphrase;
    }
    if (a.password !== undefined) cfg.password = a.password;
    const agent =
      a.agent ?? (!a.privateKeyPath && a.password === undefined ? process.env.SSH_AUTH_SOCK : undefined);
    if (agent) cfg.agent = agent;
    if (!cfg.privateKey && cfg.password === undefined && !cfg.agent) {
      throw new UserError(
        `${o.host.name}: no way to log in as ${this.label}: give --ssh-private-key or --password, or start ssh-agent (SSH_AUTH_SOCK is not set)`,
      );
    }
    return cfg;
  }

  /** What went wrong connecting, in one line naming the host and user (never a secret). */
  #connectError(err: unknown): Error {
    if (err instanceof UserError || err instanceof EnvironmentError) return err;
    const e = err as NodeJS.ErrnoException & { level?: string };
    const a = this.#opts.auth;
    const at = `${this.host.name}: cannot connect to ${this.label}`;
    if (e.level === 'client-authentication') {
      const viaAgent = a.agent !== undefined || (!a.privateKeyPath && a.password === undefined);
      const tried = [
        a.password !== undefined ? 'password' : '',
        a.privateKeyPath ? `key ${a.privateKeyPath}` : '',
        viaAgent ? 'ssh-agent keys' : '',
      ].filter(Boolean);
      return new UserError(
        `${this.host.name}: authentication as ${this.host.username} failed at ${this.label} (tried ${tried.join(', ')}); check --username, --password, --ssh-private-key`,
      );
    }
    const ms = this.#opts.connectTimeoutMs ?? 10_000;
    switch (e.code) {
      case 'ECONNREFUSED':
        return new EnvironmentError(
          `${at}: connection refused (is sshd running and listening on port ${this.host.port}?)`,
        );
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new EnvironmentError(`${at}: DNS cannot resolve ${this.host.host}`);
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return new EnvironmentError(`${at}: no route to host`);
      case 'ETIMEDOUT':
        return new EnvironmentError(`${at}: timed out after ${ms} ms`);
      case 'ECONNRESET':
        return new EnvironmentError(`${at}: connection reset by the host`);
    }
    if (e.level === 'client-timeout' || e.message === 'timeout')
      return new EnvironmentError(`${at}: timed out after ${ms} ms (no SSH handshake)`);
    return new EnvironmentError(`${at}: ${errorLine(err)}`);
  }
}

/** The first line of an error's message. */
export function errorLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0] ?? m;
}
