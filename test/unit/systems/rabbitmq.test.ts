/** The rabbitmq descriptor's pure parts: modes, the node-count check, the broker's config. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { findSystem, resolveMode } from '../../../systems/index.ts';
import {
  nodeName,
  queueHolder,
  queueName,
  rabbitConf,
  rabbitEnv,
  validateRabbitmq,
} from '../../../systems/rabbitmq/index.ts';

describe('rabbitmq descriptor', () => {
  it('has quorum (default) and classic modes; an unknown mode is a user error', () => {
    const s = findSystem('rabbitmq');
    expect(s.modes).toEqual(['quorum', 'classic']);
    expect(resolveMode(s, undefined)).toBe('quorum');
    expect(() => resolveMode(s, 'mirrored')).toThrow(UserError);
    expect(s.create('classic').packages).toEqual(['rabbitmq-server']);
  });

  it('quorum needs 3 nodes; classic runs on any', () => {
    expect(() => validateRabbitmq({ mode: 'quorum', nodes: ['n1', 'n2'] })).toThrow(/at least 3 nodes/);
    expect(() => validateRabbitmq({ mode: 'quorum', nodes: ['n1', 'n2', 'n3'] })).not.toThrow();
    expect(() => validateRabbitmq({ mode: 'classic', nodes: ['n1'] })).not.toThrow();
  });

  it('names nodes by IP with long names and pauses the minority', () => {
    expect(nodeName('10.0.0.2')).toBe('rabbit@10.0.0.2');
    expect(queueName('quorum')).toBe('faultline-quorum');
    const env = rabbitEnv('10.0.0.2', 4);
    expect(env.RABBITMQ_USE_LONGNAME).toBe('true');
    expect(env.RABBITMQ_NODENAME).toBe('rabbit@10.0.0.2');
    expect(env.RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS).toBe('-kernel net_ticktime 4');
    expect(rabbitConf()).toMatch(/^cluster_partition_handling = pause_minority$/m);
  });

  it('rejects an out-of-range net tick time', () => {
    const schema = findSystem('rabbitmq').options!;
    expect(schema.safeParse({ rabbitNetTicktimeS: 4 }).success).toBe(true);
    expect(schema.safeParse({ rabbitNetTicktimeS: 0 }).success).toBe(false);
  });
});

describe('queueHolder (primaries)', () => {
  const table = [
    'faultline-classic\t\t<rabbit@10.77.0.11.1796051580.699.0>',
    'faultline-quorum\trabbit@10.77.0.12\t<rabbit@10.77.0.11.1796051580.693.0>',
  ].join('\n');
  it("reads a quorum queue's leader and a classic queue's home node from its pid", () => {
    expect(queueHolder(table, 'quorum')).toBe('rabbit@10.77.0.12');
    expect(queueHolder(table, 'classic')).toBe('rabbit@10.77.0.11');
    expect(queueHolder('other\trabbit@1.2.3.4\t<rabbit@1.2.3.4.1.2.3>', 'quorum')).toBeUndefined();
  });
});
