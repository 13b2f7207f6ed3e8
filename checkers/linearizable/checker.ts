import type { Checker } from '../../src/core/checker.ts';
import { checkLinearizable, type LinearizableOptions } from './check.ts';
import type { Model } from './model.ts';
import { resolveModel } from './models/registry.ts';

export interface LinearizableCheckerOptions {
  /** A registered model name (see getModel) or a model object. */
  model: string | Model<unknown>;
  /** Only 'wgl' (Wing–Gong–Lowe with P-compositionality) exists; accepted for Knossos compatibility. */
  algorithm?: 'wgl' | 'competition' | 'linear';
  /** Minimize the counterexample on a violation (default true). */
  minimize?: boolean;
}

/** The linearizability checker as a faultline Checker. */
export function linearizable(options: LinearizableCheckerOptions): Checker {
  // An unknown name fails here, at definition; the name itself is passed on so workers can rebuild it.
  resolveModel(options.model);
  const model = options.model;
  return {
    name: 'linearizable',
    check(_ctx, history, opts) {
      const o: LinearizableOptions = { ...opts };
      if (options.minimize !== undefined) o.minimize = options.minimize;
      return checkLinearizable(history, model, o);
    },
  };
}
