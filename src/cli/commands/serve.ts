/** `faultline serve`: browse the results folder (every run, its report and files, .tar.gz downloads). */
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../../core/errors.ts';
import {
  isLoopback,
  type RunningServer,
  type ServeOptions,
  startServer as start,
} from '../../report/server.ts';

export interface ServeFlags {
  resultsDir?: string;
  port?: number;
  host?: string;
}

/** Starts the server (validating the flags with one-line errors); see src/report/server.ts. */
export async function startServer(flags: ServeFlags): Promise<RunningServer> {
  const resultsDir = flags.resultsDir ?? 'results';
  if (!existsSync(resultsDir) || !statSync(resultsDir).isDirectory()) {
    throw new UserError(`results folder ${resultsDir} not found: run a test first, or pass --results-dir`);
  }
  const port = flags.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UserError(`--port ${port}: expected 0-65535`);
  const opts: ServeOptions = { resultsDir, port, host: flags.host ?? '127.0.0.1' };
  try {
    return await start(opts);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UserError(`port ${port} is in use: pass --port with another one (0 = any free port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new UserError(`cannot listen on ${opts.host}: not an address of this machine`);
    if (code === 'EACCES') throw new UserError(`not allowed to listen on port ${port}: use one above 1023`);
    throw err;
  }
}

/** Serves until SIGINT/SIGTERM, then closes; exit 0. */
export async function serveCommand(flags: ServeFlags): Promise<number> {
  const server = await startServer(flags);
  const host = flags.host ?? '127.0.0.1';
  process.stderr.write(
    `faultline: serving ${flags.resultsDir ?? 'results'} at ${server.url} (Ctrl-C to stop)\n`,
  );
  if (!isLoopback(host)) {
    process.stderr.write(
      `faultline: warning: listening on ${host}, not loopback: anyone who can reach it can read every run\n`,
    );
  }
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
