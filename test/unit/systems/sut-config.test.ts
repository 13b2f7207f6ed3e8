import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModeOf, writeError } from '../../../systems/etcd/clients.ts';
import { type EtcdError, EtcdHttp } from '../../../systems/etcd/http.ts';
import { etcdArgv, etcdSystem } from '../../../systems/etcd/index.ts';
import { findSystem } from '../../../systems/index.ts';
import { redisWriteError } from '../../../systems/redis/clients.ts';
import { redisConf, redisSystem, sentinelConf } from '../../../systems/redis/index.ts';

const nodes = [
  { name: 'n1', ip: '10.0.0.11' },
  { name: 'n2', ip: '10.0.0.12' },
  { name: 'n3', ip: '10.0.0.13' },
];

describe('etcd system', () => {
  it('is registered, needs a cluster, and supports register, set and counter', () => {
    expect(findSystem('etcd')).toBe(etcdSystem);
    const s = etcdSystem.create('default');
    expect(s.needsCluster).toBe(true);
    expect(s.packages).toEqual(['etcd-server', 'etcd-client']);
    expect(Object.keys(s.clients).sort()).toEqual(['counter', 'register', 'set']);
  });

  it('bootstraps members with peer URLs on the node IPs and tight timeouts', () => {
    const argv = etcdArgv(nodes[1] as never, nodes, { heartbeatMs: 100, electionMs: 1000 });
    const arg = (f: string) => argv[argv.indexOf(f) + 1];
    expect(arg('--name')).toBe('n2');
    expect(arg('--initial-cluster')).toBe(
      'n1=http://10.0.0.11:2380,n2=http://10.0.0.12:2380,n3=http://10.0.0.13:2380',
    );
    expect(arg('--listen-peer-urls')).toBe('http://10.0.0.12:2380');
    expect(arg('--advertise-client-urls')).toBe('http://10.0.0.12:2379');
    expect(arg('--heartbeat-interval')).toBe('100');
    expect(arg('--election-timeout')).toBe('1000');
  });

  it('read modes', () => {
    expect(readModeOf({})).toBe('linearizable');
    expect(readModeOf({ readMode: 'serializable' })).toBe('serializable');
    expect(() => readModeOf({ readMode: 'stale' })).toThrow(/linearizable or serializable/);
  });
});

describe('etcd gateway client: error classification against a fake server', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        if (req.url === '/v3/kv/put' && body.includes('"c2xvdw=="')) return; // key "slow": never answers
        if (req.url === '/v3/kv/put' && body.includes('"YnVzeQ=="')) {
          res.writeHead(429).end(JSON.stringify({ error: 'etcdserver: too many requests', code: 14 }));
        } else if (req.url === '/v3/kv/put' && body.includes('"ZHJvcA=="')) {
          req.socket.destroy(); // "drop": connection lost after the request was sent
        } else if (req.url === '/v3/kv/put') {
          res.writeHead(503).end(JSON.stringify({ error: 'etcdserver: request timed out', code: 14 }));
        } else if (req.url === '/v3/kv/range') {
          res.end(
            JSON.stringify({
              kvs: [{ key: 'aw==', value: 'Mw==', mod_revision: '7', create_revision: '2' }],
            }),
          );
        } else if (req.url === '/v3/kv/txn') {
          res.end(
            JSON.stringify({
              header: {},
              responses: [{ response_range: { kvs: [{ key: 'aw==', value: 'NA==', mod_revision: '9' }] } }],
            }),
          );
        } else res.writeHead(404).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const http = () => new EtcdHttp('127.0.0.1', port);
  const failWith = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return err as EtcdError;
    }
    throw new Error('expected a rejection');
  };

  it('parses ranges and failed revision compares', async () => {
    const kv = await http().get('k', false, AbortSignal.timeout(2000));
    expect(kv).toEqual({ key: 'k', value: '3', modRevision: 7, createRevision: 2 });
    const r = await http().casRevision('k', 7, '5', AbortSignal.timeout(2000));
    expect(r).toEqual({ ok: false, current: { key: 'k', value: '4', modRevision: 9, createRevision: 0 } });
  });

  it('a server timeout is indeterminate (info); a rejection before Raft is a definite fail', async () => {
    expect(writeError(await failWith(http().put('k', '1', AbortSignal.timeout(2000))))).toMatchObject({
      type: 'info',
      error: 'etcdserver: request timed out',
    });
    expect(writeError(await failWith(http().put('busy', '1', AbortSignal.timeout(2000)))).type).toBe('fail');
  });

  it('a lost connection or a client timeout is info; a refused connection is fail', async () => {
    expect(writeError(await failWith(http().put('drop', '1', AbortSignal.timeout(2000)))).type).toBe('info');
    const slow = await failWith(http().put('slow', '1', AbortSignal.timeout(200)));
    expect(slow.definite).toBe(false);
    expect(slow.message).toBe('timed out');
    const refused = await failWith(
      new EtcdHttp('127.0.0.1', await closedPort()).put('k', '1', AbortSignal.timeout(2000)),
    );
    expect(refused.definite).toBe(true);
    expect(writeError(refused).type).toBe('fail');
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

describe('redis system', () => {
  it('is registered with its packages and clients', () => {
    expect(findSystem('redis')).toBe(redisSystem);
    const s = redisSystem.create('default');
    expect(s.packages).toContain('redis-sentinel');
    expect(Object.keys(s.clients).sort()).toEqual(['counter', 'register', 'set']);
  });

  it('configures replicas of n1 and sentinels with a majority quorum and tight failover', () => {
    expect(redisConf(undefined)).not.toMatch(/replicaof/);
    expect(redisConf('10.0.0.11')).toMatch(/^replicaof 10\.0\.0\.11 6379$/m);
    const s = sentinelConf('10.0.0.11', 2, { downAfterMs: 1000, failoverTimeoutMs: 5000 });
    expect(s).toMatch(/^sentinel monitor faultline 10\.0\.0\.11 6379 2$/m);
    expect(s).toMatch(/^sentinel down-after-milliseconds faultline 1000$/m);
    expect(s).toMatch(/^sentinel failover-timeout faultline 5000$/m);
  });

  it('classifies write errors: rejections fail, lost connections and timeouts are info', () => {
    expect(redisWriteError(new Error("READONLY You can't write against a read only replica.")).type).toBe(
      'fail',
    );
    expect(
      redisWriteError(new Error("Stream isn't writeable and enableOfflineQueue options is false")).type,
    ).toBe('fail');
    expect(redisWriteError(new Error('Connection is closed.')).type).toBe('info');
    expect(redisWriteError(new Error('timed out')).type).toBe('info');
  });
});
