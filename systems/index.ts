import { UserError } from '../src/core/errors.ts';
import type { SystemDescriptor } from '../src/core/index.ts';
import { etcdSystem } from './etcd/index.ts';
import { memorySystem } from './memory/index.ts';
import { redisSystem } from './redis/index.ts';
import { REFERENCE_SYSTEMS } from './reference/index.ts';

/** Every system faultline can test, by the name used with --system. */
export const SYSTEMS: Record<string, SystemDescriptor> = {
  memory: memorySystem,
  etcd: etcdSystem,
  redis: redisSystem,
  ...Object.fromEntries(REFERENCE_SYSTEMS.map((s) => [s.name, s])),
};

export function findSystem(name: string): SystemDescriptor {
  const s = SYSTEMS[name];
  if (!s) throw new UserError(`unknown system '${name}': choose one of ${Object.keys(SYSTEMS).join(', ')}`);
  return s;
}

/** The mode to use: the system's default when none is given; an unknown one is a user error. */
export function resolveMode(s: SystemDescriptor, mode: string | undefined): string {
  if (mode === undefined) return s.modes[0]!;
  if (!s.modes.includes(mode)) {
    throw new UserError(`system '${s.name}' has no mode '${mode}': choose one of ${s.modes.join(', ')}`);
  }
  return mode;
}
