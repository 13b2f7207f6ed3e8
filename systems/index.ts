import { UserError } from '../src/core/errors.ts';
import type { SystemDescriptor } from '../src/core/index.ts';
import { isSystemFile, loadSystemFile } from './declarative/index.ts';
import { etcdSystem } from './etcd/index.ts';
import { mariadbSystem } from './mariadb/index.ts';
import { memorySystem } from './memory/index.ts';
import { natsSystem } from './nats/index.ts';
import { postgresSystem } from './postgres/index.ts';
import { rabbitmqSystem } from './rabbitmq/index.ts';
import { redisSystem } from './redis/index.ts';
import { REFERENCE_SYSTEMS } from './reference/index.ts';
import { zookeeperSystem } from './zookeeper/index.ts';

/** Every system faultline can test, by the name used with --system. */
export const SYSTEMS: Record<string, SystemDescriptor> = {
  memory: memorySystem,
  etcd: etcdSystem,
  redis: redisSystem,
  postgres: postgresSystem,
  mariadb: mariadbSystem,
  zookeeper: zookeeperSystem,
  rabbitmq: rabbitmqSystem,
  nats: natsSystem,
  ...Object.fromEntries(REFERENCE_SYSTEMS.map((s) => [s.name, s])),
};

/** A built-in system by name, or a declarative system file (`*.json`, docs/maelstrom.md) by path. */
export function findSystem(name: string): SystemDescriptor {
  if (isSystemFile(name)) return loadSystemFile(name);
  const s = SYSTEMS[name];
  if (!s)
    throw new UserError(
      `unknown system '${name}': choose one of ${Object.keys(SYSTEMS).join(', ')}, or give a system file (path/to/system.json)`,
    );
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
