/**
 * The one client every reference design uses: POST /client {workload, f, value} to the node it is bound
 * to; the node answers with the completion itself ({type, value?, error?}), having classified it (it
 * knows whether a write could have applied). On this side: a refused connection means the request never
 * reached the node (`fail`); a timeout or a lost connection after sending is `info` for anything that
 * changes state and `fail` for reads (a read has no effect, so not hearing back is the same as not
 * having read).
 */
import type { Invocation } from '../../src/core/generator.ts';
import type { ClientFactory, Completion } from '../../src/core/index.ts';
import { describeError, errorCode } from '../../src/util/net-errors.ts';

export const REFERENCE_PORT = 8470;

const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** Reads have no effect: an unanswered read certainly did not change anything. */
const READS = new Set(['read']);

export async function callNode(
  ip: string,
  body: { workload: string; f: string; value: unknown },
  signal: AbortSignal,
): Promise<Completion> {
  const unanswered = (error: string, definite: boolean): Completion => ({
    type: definite || READS.has(body.f) ? 'fail' : 'info',
    error,
  });
  let res: Response;
  try {
    res = await fetch(`http://${ip}:${REFERENCE_PORT}/client`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (signal.aborted) return unanswered('timed out', false);
    const code = errorCode(err);
    return unanswered(describeError(err), code !== undefined && NOT_SENT.has(code));
  }
  try {
    const c = (await res.json()) as Completion;
    if (c.type !== 'ok' && c.type !== 'fail' && c.type !== 'info') return unanswered(`bad reply`, false);
    return c;
  } catch (err) {
    return unanswered(signal.aborted ? 'timed out' : `reply lost: ${describeError(err)}`, false);
  }
}

/** A client for `workload` bound to one node. */
export function referenceClient(workload: string): ClientFactory {
  return async (_test, node) => {
    const ip = node.remote?.ip;
    if (!ip) throw new Error(`reference systems need a cluster: node ${node.name} has no remote`);
    return {
      invoke: (op: Invocation, signal: AbortSignal) =>
        callNode(ip, { workload, f: op.f, value: op.value }, signal),
      async close() {},
    };
  };
}
