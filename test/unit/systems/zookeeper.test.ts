import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpTimedOut } from '../../../src/util/race-signal.ts';
import { findSystem } from '../../../systems/index.ts';
import { sequenceOf, syncReadsOf, writeError } from '../../../systems/zookeeper/clients.ts';
import {
  isolateN1Grudge,
  versionFromSrvr,
  zkArgv,
  zooCfg,
  zookeeperSystem,
} from '../../../systems/zookeeper/index.ts';
import { fourLetterWord, NotConnected } from '../../../systems/zookeeper/zk.ts';

const SRVR = [
  // Debian's build leaves Maven's git-id placeholder in the version, literally.
  `Zookeeper version: 3.8.0-\${mvngit.commit.id}, built on 2023-01-01 00:00 UTC`,
  'Latency min/avg/max: 0/0.4/12',
  'Mode: leader',
  'Node count: 7',
  '',
].join('\n');

describe('zookeeper system', () => {
  it('is registered, needs a cluster, installs Debian zookeeper, supports register, set, unique-ids', () => {
    expect(findSystem('zookeeper')).toBe(zookeeperSystem);
    const s = zookeeperSystem.create('default');
    expect(s.needsCluster).toBe(true);
    expect(s.packages).toEqual(['zookeeper']);
    expect(Object.keys(s.clients).sort()).toEqual(['register', 'set', 'unique-ids']);
  });

  it('zoo.cfg: one server line per node in order, the tuning, the four-letter words it uses', () => {
    const cfg = zooCfg([{ ip: '10.0.0.11' }, { ip: '10.0.0.12' }, { ip: '10.0.0.13' }], {
      tickMs: 500,
      syncLimit: 4,
    });
    expect(cfg).toContain('server.1=10.0.0.11:2888:3888\nserver.2=10.0.0.12:2888:3888\nserver.3=10.0.0.13');
    expect(cfg).toMatch(/^tickTime=500$/m);
    expect(cfg).toMatch(/^syncLimit=4$/m);
    expect(cfg).toMatch(/^4lw\.commands\.whitelist=srvr,mntr,ruok$/m);
    expect(zkArgv()).toContain('org.apache.zookeeper.server.quorum.QuorumPeerMain');
  });

  it('version from srvr drops the unexpanded git id; distinct versions are joined; none: undefined', () => {
    expect(versionFromSrvr([SRVR, undefined, SRVR])).toBe('zookeeper 3.8.0');
    expect(versionFromSrvr([SRVR, SRVR.replace('3.8.0', '3.8.1')])).toBe('zookeeper 3.8.0, 3.8.1');
    expect(versionFromSrvr([undefined])).toBeUndefined();
  });

  it('the follower grudge cuts n1 off from every other node, both ways', () => {
    expect(JSON.parse(isolateN1Grudge(3))).toEqual({ n1: ['n2', 'n3'], n2: ['n1'], n3: ['n1'] });
    expect(Object.keys(JSON.parse(isolateN1Grudge(5)))).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
  });

  it('sequence numbers from sequential znode paths; a path without one throws', () => {
    expect(sequenceOf('/faultline/ids/id-0000000042')).toBe(42);
    expect(() => sequenceOf('/faultline/ids/id-')).toThrow(/no sequence number/);
  });

  it('syncReads defaults to true and reads the CLI text form', () => {
    expect(syncReadsOf({})).toBe(true);
    expect(syncReadsOf({ syncReads: 'false' })).toBe(false);
    expect(syncReadsOf({ syncReads: false })).toBe(false);
  });

  it('writes: server refusals and unsent requests fail; lost connections and timeouts are info', () => {
    const E = zookeeper.Exception;
    expect(writeError(E.create(E.BAD_VERSION)).type).toBe('fail');
    expect(writeError(E.create(E.NO_NODE)).type).toBe('fail');
    expect(writeError(new NotConnected('not connected')).type).toBe('fail');
    expect(writeError(E.create(E.CONNECTION_LOSS)).type).toBe('info');
    expect(writeError(E.create(E.SESSION_EXPIRED)).type).toBe('info');
    expect(writeError(new OpTimedOut()).type).toBe('info');
  });
});

describe('four-letter words over TCP', () => {
  let server: Server;
  let port: number;
  const heard: string[] = [];
  beforeAll(async () => {
    server = createServer((sock) =>
      sock.once('data', (b) => {
        heard.push(b.toString());
        sock.end(SRVR);
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the word and returns the whole answer; a closed port gives undefined', async () => {
    expect(await fourLetterWord('127.0.0.1', 'srvr', 2000, port)).toBe(SRVR);
    expect(heard).toEqual(['srvr']);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await fourLetterWord('127.0.0.1', 'srvr', 2000, closedPort)).toBeUndefined();
  });
});
