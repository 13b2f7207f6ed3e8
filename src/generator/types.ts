/** The generator types live in the leaf core (src/core/generator.ts); re-exported here for generator code. */
export type {
  Context,
  Generator,
  Invocation,
  OpResult,
  OpTemplate,
  Pending,
  Thread,
} from '../core/generator.ts';
