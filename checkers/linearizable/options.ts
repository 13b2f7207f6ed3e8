/** The linearizability checker's options (own module so check.ts and explain.ts need not import each other). */
import type { CheckOptions } from '../../src/core/checker.ts';

export interface LinearizableOptions extends CheckOptions {
  /** Compute a minimal failing sub-history (delta debugging) on a violation; default true. */
  minimize?: boolean;
  /** Wall-clock share for the minimization, ms; default 10 s (never past the overall time limit). */
  minimizeTimeMs?: number;
  /**
   * Search partitions in worker threads: 'auto' (default) moves partitions still undecided after 2 s to
   * workers when there are several CPUs; true uses workers from the start; false never. Only for models
   * given by name (a model object cannot travel to a worker).
   */
  parallel?: boolean | 'auto';
}
