/**
 * nats: which raft groups lack a leader a majority of servers agree on (leaderlessGroups, read by the
 * recovery wait before the final phase), from /jsz answers shaped as nats-server 2.9 gives them.
 */
import { describe, expect, it } from 'vitest';
import { type Jsz, leaderlessGroups } from '../../../systems/nats/index.ts';

/** One server's /jsz view: stream leaders and the queue consumer's leader. */
const view = (queue?: string, set?: string, consumer?: string): Jsz => ({
  account_details: [
    {
      stream_detail: [
        {
          name: 'queue',
          cluster: { ...(queue ? { leader: queue } : {}) },
          consumer_detail: [{ name: 'workers', cluster: { ...(consumer ? { leader: consumer } : {}) } }],
        },
        { name: 'set', cluster: { ...(set ? { leader: set } : {}) } },
      ],
    },
  ],
});

describe('nats leaderlessGroups', () => {
  it('is empty when a majority names one leader for every group', () => {
    expect(leaderlessGroups([view('n1', 'n2', 'n3'), view('n1', 'n2', 'n3'), undefined])).toEqual([]);
  });

  it('names the consumer when its streams have leaders but it has none yet (after a full restart)', () => {
    const v = view('n2', 'n1');
    expect(leaderlessGroups([v, v, v])).toEqual(['consumer queue > workers']);
  });

  it('needs a majority: one server naming a leader, or servers disagreeing, is not enough', () => {
    expect(leaderlessGroups([view('n1', 'n1', 'n1'), undefined, undefined])).toEqual([
      'stream queue',
      'stream set',
      'consumer queue > workers',
    ]);
    expect(
      leaderlessGroups([view('n1', 'n2', 'n3'), view('n2', 'n2', 'n3'), view('n3', 'n2', 'n3')]),
    ).toEqual(['stream queue']);
  });
});
