/** The PRNG lives in the leaf core (src/core/rng.ts) because generator contexts carry one; re-exported here. */
export { Rng } from '../core/rng.ts';
