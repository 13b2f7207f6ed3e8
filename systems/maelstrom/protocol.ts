/**
 * Maelstrom's client protocol mapped to faultline's workloads (pure, no I/O). Semantics from Maelstrom's
 * doc/protocol.md and doc/workloads.md: a request body `{type, msg_id, …}`, a reply `{type: '<type>_ok',
 * in_reply_to, …}` or `{type: 'error', code, text}`. Error codes are definite (the op certainly did not
 * happen: `fail`) except 0 timeout and 13 crash, which are indefinite (`info`); an unknown code is taken
 * as indefinite, the safe reading.
 *
 * - lin-kv → faultline's `register` workload (values `[k, v]`): read `{key}` → read_ok `{value}`; write
 *   `{key, value}`; cas `{key, from, to}`. Error 20 key-does-not-exist and 22 precondition-failed → fail.
 * - g-set → faultline's `set` workload: add `{element}`; read → read_ok `{value: [...]}`.
 */
import type { Invocation } from '../../src/core/generator.ts';
import type { Completion } from '../../src/core/index.ts';

/** Maelstrom's error codes by name (doc/protocol.md, "Errors"). */
export const ERROR_CODES: Record<number, string> = {
  0: 'timeout',
  1: 'node-not-found',
  10: 'not-supported',
  11: 'temporarily-unavailable',
  12: 'malformed-request',
  13: 'crash',
  14: 'abort',
  20: 'key-does-not-exist',
  21: 'key-already-exists',
  22: 'precondition-failed',
  30: 'txn-conflict',
};

const DEFINITE = new Set([1, 10, 11, 12, 14, 20, 21, 22, 30]);

/** True when an error code means the op certainly did not take effect. */
export const isDefinite = (code: number): boolean => DEFINITE.has(code);

/** The Maelstrom workloads faultline speaks, by the faultline workload each one is checked as. */
export const MAELSTROM_WORKLOADS = { register: 'lin-kv', set: 'g-set' } as const;
export type MaelstromWorkload = keyof typeof MAELSTROM_WORKLOADS;

/** A Maelstrom message body (the request or the reply). */
export type Body = { type: string; [k: string]: unknown };

/** The request body for a faultline op (without msg_id); throws on an op the workload does not have. */
export function requestBody(workload: MaelstromWorkload, op: Pick<Invocation, 'f' | 'value'>): Body {
  if (workload === 'register' && ['read', 'write', 'cas'].includes(op.f)) {
    if (!Array.isArray(op.value) || op.value.length !== 2)
      throw new Error(
        `maelstrom lin-kv: ${op.f} value must be [key, value], got ${JSON.stringify(op.value)}`,
      );
    const [key, v] = op.value as [unknown, unknown];
    if (op.f === 'read') return { type: 'read', key };
    if (op.f === 'write') return { type: 'write', key, value: v };
    const [from, to] = v as [unknown, unknown];
    return { type: 'cas', key, from, to };
  }
  if (workload === 'set') {
    if (op.f === 'add') return { type: 'add', element: op.value };
    if (op.f === 'read') return { type: 'read' };
  }
  throw new Error(`maelstrom ${MAELSTROM_WORKLOADS[workload]}: no operation ${op.f}`);
}

/** True for ops with no effect: an unanswered one certainly changed nothing. */
export const isRead = (f: string): boolean => f === 'read';

/** The completion of `op` for the node's reply `body`. */
export function completionFor(
  workload: MaelstromWorkload,
  op: Pick<Invocation, 'f' | 'value'>,
  body: Body,
): Completion {
  if (body.type === 'error') {
    const code = Number(body.code);
    const name = ERROR_CODES[code] ?? `error ${code}`;
    const text = typeof body.text === 'string' && body.text ? `${name}: ${body.text}` : name;
    return { type: isDefinite(code) || isRead(op.f) ? 'fail' : 'info', error: text };
  }
  if (body.type !== `${op.f}_ok`)
    return { type: isRead(op.f) ? 'fail' : 'info', error: `unexpected reply ${body.type} to ${op.f}` };
  if (op.f !== 'read') return { type: 'ok' };
  if (workload === 'register') {
    const [key] = op.value as [unknown];
    return { type: 'ok', value: [key, body.value ?? null] };
  }
  if (!Array.isArray(body.value)) return { type: 'fail', error: 'read_ok without a value array' };
  return { type: 'ok', value: [...body.value].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** The completion of an op nobody answered: a read certainly did nothing (`fail`), anything else `info`. */
export const unanswered = (f: string, error: string, sent: boolean): Completion => ({
  type: !sent || isRead(f) ? 'fail' : 'info',
  error,
});
