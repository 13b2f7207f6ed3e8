/** The rabbitmq descriptor's pure parts: modes, the node-count check, the broker's config, the confirm's reading. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { findSystem, resolveMode } from '../../../systems/index.ts';
import { confirmOutcome } from '../../../systems/rabbitmq/clients.ts';
import {
  bootStall,
  nodeName,
  queueHolder,
  queueName,
  rabbitConf,
  rabbitEnv,
  START_BOOT_WAIT_MS,
  startWaitMs,
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

describe('bootStall (why a healed broker has not booted)', () => {
  // RabbitMQ 3.10's log of a node restarted while its peers were cut off (bench run, n1 of 3).
  const stalled = [
    '2026-11-30 15:48:46.473282+00:00 [info] <0.223.0> Running boot step database defined by app rabbit',
    '2026-11-30 15:49:00.495901+00:00 [info] <0.223.0> Waiting for Mnesia tables for 30000 ms, 9 retries left',
    '2026-11-30 15:49:30.496991+00:00 [warning] <0.223.0> Error while waiting for Mnesia tables: {timeout_waiting_for_tables,',
    "2026-11-30 15:49:30.496991+00:00 [warning] <0.223.0>                                         ['rabbit@10.77.2.13',",
    "2026-11-30 15:49:30.496991+00:00 [warning] <0.223.0>                                          'rabbit@10.77.2.12',",
    "2026-11-30 15:49:30.496991+00:00 [warning] <0.223.0>                                          'rabbit@10.77.2.11'],",
    '2026-11-30 15:49:30.496991+00:00 [warning] <0.223.0>                                         [rabbit_user,rabbit_durable_queue]}',
    '2026-11-30 15:49:30.497212+00:00 [info] <0.223.0> Waiting for Mnesia tables for 30000 ms, 8 retries left',
  ].join('\n');

  it("names a boot waiting for its peers' Mnesia tables, the cluster nodes and the retries left", () => {
    const why = bootStall(stalled);
    expect(why).toMatch(/^waiting for its peers' Mnesia tables/);
    expect(why).toContain('rabbit@10.77.2.13, rabbit@10.77.2.12, rabbit@10.77.2.11');
    expect(why).toContain('8 retries of 30 s left');
    // Before the first timeout the log does not name the nodes yet.
    expect(bootStall(stalled.split('\n').slice(0, 2).join('\n'))).toMatch(/tables, 9 retries of 30 s left: /);
  });

  it('is undefined when the tables were synced (a normal boot) or no wait began', () => {
    const normal = [
      '2026-11-30 15:12:27.716129+00:00 [info] <0.223.0> Waiting for Mnesia tables for 30000 ms, 9 retries left',
      '2026-11-30 15:12:27.716286+00:00 [info] <0.223.0> Successfully synced tables from a peer',
    ].join('\n');
    expect(bootStall(normal)).toBeUndefined();
    expect(bootStall('2026-11-30 15:48:46 [info] <0.223.0>  Starting RabbitMQ 3.10.8')).toBeUndefined();
    expect(bootStall('')).toBeUndefined();
  });

  it("bounds a heal's wait well inside a run's schedule slack", () => {
    // The old start waited 60 s (plus a 30 s try): one heal outlasted a 30 s run by over a minute.
    expect(START_BOOT_WAIT_MS).toBeLessThanOrEqual(20_000);
    expect(startWaitMs({ options: {} })).toBe(START_BOOT_WAIT_MS);
    expect(startWaitMs({ options: { rabbitStartWaitS: 0 } })).toBe(0);
    const schema = findSystem('rabbitmq').options!;
    expect(schema.safeParse({ rabbitStartWaitS: 0 }).success).toBe(true);
    expect(schema.safeParse({ rabbitStartWaitS: -1 }).success).toBe(false);
  });
});

describe('rabbitmq enqueue: the publisher confirm read as an op completion', () => {
  it('ack → ok; returned unroutable → fail; a nack or a lost confirm → info (may be enqueued)', () => {
    expect(confirmOutcome(undefined, false)).toEqual({ type: 'ok' });
    expect(confirmOutcome(undefined, true)).toMatchObject({ type: 'fail', error: /unroutable/ });
    // A classic queue killed after its fsync nacks, then recovers the message from disk on restart:
    // a CI run dequeued a nacked element, which `fail` had made an "unexpected" one.
    expect(confirmOutcome(new Error('message nacked'), false)).toMatchObject({
      type: 'info',
      error: /nacked/,
    });
    expect(confirmOutcome(new Error('channel closed'), false)).toEqual({
      type: 'info',
      error: 'channel closed',
    });
  });
});
