/**
 * Reads the version of the system under test once, after setup (System.version, src/core/system.ts).
 * The answer is metadata: a system without the hook, one that answers nothing, throws, or takes longer
 * than the budget is recorded as unknown (null) with the reason, and the run goes on.
 */

import { errorText } from '../core/errors.ts';
import type { RunContext, System } from '../core/index.ts';

/** How long the version hook may take, ms. */
export const VERSION_TIMEOUT_MS = 10_000;

/** What was learnt: the version text, or null with why it is unknown. */
export interface SystemVersion {
  version: string | null;
  /** Why the version is unknown (absent when it is known). */
  why?: string;
}

/**
 * Asks `system.version(ctx)`, waiting at most `timeoutMs` (and no longer than ctx.signal allows). Never
 * throws: every failure becomes `{version: null, why}`. The answer is trimmed and kept on one line.
 */
export async function readSystemVersion(
  system: Pick<System, 'name' | 'version'>,
  ctx: RunContext,
  timeoutMs = VERSION_TIMEOUT_MS,
): Promise<SystemVersion> {
  if (!system.version) return { version: null, why: `system ${system.name} does not report a version` };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const v = await Promise.race([Promise.resolve().then(() => system.version!(ctx)), deadline]);
    if (typeof v !== 'string' || v.trim() === '')
      return { version: null, why: `system ${system.name} could not tell its version` };
    return { version: v.replace(/\s+/g, ' ').trim() };
  } catch (err) {
    return { version: null, why: `reading the version of ${system.name} failed: ${errorText(err)}` };
  } finally {
    clearTimeout(timer);
  }
}
