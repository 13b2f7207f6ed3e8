/**
 * Racing a driver's promise against an op's deadline. The drivers faultline's systems use (ioredis,
 * amqplib, nats, node-zookeeper-client, pg, mariadb) cannot cancel a request, so an op that runs past
 * its timeout is completed by the signal, and the request's own answer, when it comes, is dropped.
 */

/** The op's signal fired before the driver answered: the request may still take effect later. */
export class OpTimedOut extends Error {
  constructor() {
    super('timed out');
  }
}

/**
 * Settles as `p` does, unless `signal` aborts first (or has already): then rejects with OpTimedOut.
 * A late answer of `p` is ignored, and a late rejection is caught (never an unhandled rejection).
 */
export function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(new OpTimedOut());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new OpTimedOut());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
