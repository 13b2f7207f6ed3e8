/**
 * The fault declarations a report draws from: test.json's `faults` (written by the runner from the
 * nemesis package), else the built-in families' declarations (foreign histories given to analyze, run
 * folders from before test.json had `faults`). A damaged declaration is a warning, never a throw.
 */
import { z } from 'zod';
import { type FaultKind, faultKindSchema } from '../core/nemesis.ts';
import { BUILTIN_FAULTS } from '../registry.ts';

const kindsSchema = z.array(faultKindSchema);

/** The declared faults of a run's test.json, or the built-in fallback; problems go to `warnings`. */
export function faultKindsOf(test: { faults?: unknown }, warnings: string[]): FaultKind[] {
  if (test.faults === undefined || test.faults === null) return [...BUILTIN_FAULTS];
  const r = kindsSchema.safeParse(test.faults);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  warnings.push(
    `test.json faults is not a list of fault declarations (${issue?.path.join('.') || 'faults'}: ${issue?.message ?? 'invalid'}); the built-in families' declarations were used`,
  );
  return [...BUILTIN_FAULTS];
}
