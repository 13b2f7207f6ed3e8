/** Connecting to the Docker engine, and turning its failures into one line a user can act on. */
import { existsSync } from 'node:fs';
import Docker from 'dockerode';

export interface Engine {
  docker: Docker;
  /** Where the engine is, for messages: a socket path or a URL. */
  endpoint: string;
  /** True when the engine runs on this machine (unix socket), so host tools can enter container namespaces. */
  local: boolean;
}

export interface EngineOptions {
  /** Overrides DOCKER_HOST: unix:///path, tcp://host:port, ssh://user@host, or a bare socket path. */
  host?: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** Builds a client without contacting the engine (dockerode connects lazily). */
export function connectEngine(opts: EngineOptions = {}): Engine {
  const host = opts.host ?? process.env.DOCKER_HOST ?? '';
  if (host === '' || host.startsWith('unix://') || host.startsWith('/')) {
    const socketPath = host.startsWith('unix://') ? host.slice(7) || DEFAULT_SOCKET : host || DEFAULT_SOCKET;
    return { docker: new Docker({ socketPath }), endpoint: socketPath, local: true };
  }
  const url = new URL(host.includes('://') ? host : `tcp://${host}`);
  const protocol = url.protocol === 'ssh:' ? 'ssh' : url.port === '2376' ? 'https' : 'http';
  const docker = new Docker({
    host: url.hostname,
    port: url.port || (protocol === 'ssh' ? 22 : 2375),
    protocol,
    ...(url.username ? { username: url.username } : {}),
  });
  return { docker, endpoint: host, local: false };
}

/** Thrown for an engine that cannot be reached or used; its message is one line with the fix. */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
  readonly detail: string;
  readonly fix: string;
  constructor(detail: string, fix: string) {
    super(fix ? `${detail}: ${fix}` : detail);
    this.detail = detail;
    this.fix = fix;
  }
}

/** What is wrong and how to fix it, for any dockerode/HTTP failure (unreachable engines get a fix). */
export function engineProblem(err: unknown, endpoint: string): { detail: string; fix: string } {
  const e = err as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  const code = e?.code ?? '';
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') {
    const why = code === 'ENOENT' && !endpoint.includes('://') && !existsSync(endpoint) ? 'no socket' : code;
    return {
      detail: `Docker engine not reachable at ${endpoint} (${why})`,
      fix: 'start it with `dockerd &` (or `sudo systemctl start docker`) or set DOCKER_HOST',
    };
  }
  if (code === 'EACCES') {
    return {
      detail: `Docker engine at ${endpoint} refused access (EACCES)`,
      fix: 'run as root or add your user to the docker group',
    };
  }
  if (code === 'ETIMEDOUT' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      detail: `Docker engine not reachable at ${endpoint} (${code})`,
      fix: 'check DOCKER_HOST and the network',
    };
  }
  const msg = e?.json?.message ?? e?.message ?? String(err);
  return { detail: oneLine(e?.statusCode ? `Docker engine error ${e.statusCode}: ${msg}` : msg), fix: '' };
}

/** One line for any dockerode/HTTP failure: what is wrong, then how to fix it. */
export function engineErrorMessage(err: unknown, endpoint: string): string {
  const p = engineProblem(err, endpoint);
  return p.fix ? `${p.detail}: ${p.fix}` : p.detail;
}

/** True for errors meaning "there is no engine there" rather than "the engine said no". */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return [
    'ENOENT',
    'ECONNREFUSED',
    'ECONNRESET',
    'EHOSTUNREACH',
    'EACCES',
    'ETIMEDOUT',
    'ENOTFOUND',
    'EAI_AGAIN',
  ].includes(code);
}

/** "The engine went away" with the command that removes what the run left once it is back. */
export function engineGoneMessage(detail: string, runId: string): string {
  return `the Docker engine went away (${detail}); once it is back, remove run ${runId}'s leftovers with \`faultline clean --run-id ${runId}\``;
}

/** The first line of an error's message (EngineUnavailableError messages are one line already). */
export function errorLine(err: unknown): string {
  return oneLine(err instanceof Error ? (err.message.split('\n')[0] ?? err.name) : String(err));
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** Pings with a deadline; throws EngineUnavailableError with a one-line message. */
export async function pingEngine(
  engine: Engine,
  timeoutMs = 3000,
): Promise<{ version: string; apiVersion: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // dockerode accepts abortSignal here, its type definitions do not.
    const withSignal = { abortSignal: signal } as never;
    await engine.docker.ping(withSignal);
    const v = (await engine.docker.version(withSignal)) as unknown as Docker.DockerVersion;
    return { version: v.Version, apiVersion: v.ApiVersion };
  } catch (err) {
    if (signal.aborted) {
      throw new EngineUnavailableError(
        `Docker engine at ${engine.endpoint} did not answer within ${timeoutMs} ms`,
        'check that dockerd is running and not overloaded',
      );
    }
    const p = engineProblem(err, engine.endpoint);
    throw new EngineUnavailableError(p.detail, p.fix || 'check `docker info`');
  }
}

/** True for a 404 from the engine (already gone), which clean-up code ignores. */
export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}
