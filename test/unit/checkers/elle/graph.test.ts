import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  edgeMask,
  edgesOf,
  inducedSubgraph,
  processEdges,
  realtimeEdges,
  type TxnGraph,
} from '../../../../checkers/elle/graph.ts';
import { nonTrivialComponents, sccsOf, tarjan } from '../../../../checkers/elle/scc.ts';
import { type EdgeList, PROCESS, REALTIME, RW, type Txn, WR, WW } from '../../../../checkers/elle/types.ts';

const list = (edges: [number, number, number][]): EdgeList => ({
  length: edges.length,
  from: Int32Array.from(edges.map((e) => e[0])),
  to: Int32Array.from(edges.map((e) => e[1])),
  mask: Uint8Array.from(edges.map((e) => e[2])),
});

const triples = (g: TxnGraph): string[] => {
  const l = edgesOf(g);
  const out: string[] = [];
  for (let i = 0; i < l.length; i++) out.push(`${l.from[i]}->${l.to[i]}:${l.mask[i]}`);
  return out.sort();
};

/** Txn with an interval of history indices [inv, done] (done undefined: never completed). */
const txn = (id: number, process: number, type: Txn['type'], inv: number, done?: number): Txn => ({
  id,
  process,
  type,
  mops: [],
  invokeIndex: inv,
  completeIndex: done,
  invokeTimeNs: inv * 1000,
  completeTimeNs: done === undefined ? undefined : done * 1000,
});

/** Reachability closure (Floyd–Warshall on booleans), for small graphs. */
function closure(n: number, edges: Iterable<[number, number]>): boolean[][] {
  const r = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (const [a, b] of edges) r[a]![b] = true;
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) if (r[i]![k]) for (let j = 0; j < n; j++) if (r[k]![j]) r[i]![j] = true;
  return r;
}

describe('buildGraph', () => {
  it('merges duplicate pairs by OR, drops self-edges, keeps rows sorted by source', () => {
    const g = buildGraph(4, [
      list([
        [0, 1, WW],
        [0, 1, WR],
        [2, 2, RW],
        [3, 0, RW],
        [0, 2, RW],
      ]),
      list([[0, 1, PROCESS]]),
    ]);
    expect(triples(g)).toEqual([`0->1:${WW | WR | PROCESS}`, `0->2:${RW}`, `3->0:${RW}`]);
    expect(g.kinds).toBe(WW | WR | RW | PROCESS);
    expect(edgeMask(g, 0, 1)).toBe(WW | WR | PROCESS);
    expect(edgeMask(g, 1, 0)).toBe(0);
  });

  it('refuses an edge outside the txns', () => {
    expect(() => buildGraph(2, [list([[0, 2, WW]])])).toThrow(/outside txns 0…1/);
  });

  it('inducedSubgraph keeps the edges inside, cut to the mask, and restores its scratch', () => {
    const g = buildGraph(5, [
      list([
        [0, 1, WW | RW],
        [1, 3, WR],
        [3, 0, RW],
        [1, 2, WW],
      ]),
    ]);
    const scratch = new Int32Array(5).fill(-1);
    const sub = inducedSubgraph(g, [3, 0, 1], WW | RW, scratch);
    // local ids: 3 → 0, 0 → 1, 1 → 2
    expect(triples(sub)).toEqual([`0->1:${RW}`, `1->2:${WW | RW}`]);
    expect([...scratch]).toEqual([-1, -1, -1, -1, -1]);
  });
});

describe('process and real-time edges', () => {
  it('process edges: committed txn to the next committed or indeterminate one of its process', () => {
    const txns = [
      txn(0, 1, 'ok', 0, 1),
      txn(1, 2, 'ok', 2, 3),
      txn(2, 1, 'fail', 4, 5),
      txn(3, 1, 'ok', 6, 7),
      txn(4, 1, 'info', 8, 9),
      txn(5, 1, 'ok', 10, 11),
    ];
    const g = buildGraph(6, [processEdges(txns)]);
    expect(triples(g)).toEqual([`0->3:${PROCESS}`, `3->4:${PROCESS}`, `3->5:${PROCESS}`]);
  });

  it('real-time edges: the frontier of Elle’s example', () => {
    //   ==a==       ==c== ==e==
    //         ==b==
    //           ==d===
    const txns = [
      txn(0, 0, 'ok', 0, 1), // a
      txn(1, 1, 'ok', 2, 4), // b
      txn(2, 2, 'ok', 3, 6), // d
      txn(3, 0, 'ok', 5, 7), // c
      txn(4, 1, 'ok', 8, 9), // e
    ];
    const g = buildGraph(5, [realtimeEdges(txns)]);
    // a→b, a→d; b→c; c→e, d→e (a→c and a, b → e are implied).
    expect(triples(g)).toEqual(['0->1:16', '0->2:16', '1->3:16', '2->4:16', '3->4:16']);
  });

  it('real-time edges: their closure is exactly "committed before invoked" (random histories)', () => {
    const arb = fc.array(
      fc.record({
        start: fc.integer({ min: 0, max: 30 }),
        len: fc.integer({ min: 0, max: 10 }),
        type: fc.constantFrom('ok', 'ok', 'ok', 'info', 'fail', 'never'),
      }),
      { minLength: 1, maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, (specs) => {
        // Distinct history indices: invoke at 2·(start·12+i), completion after it.
        const withIdx = specs
          .map((s, i) => ({ ...s, inv: 2 * (s.start * 12 + i), done: 2 * ((s.start + s.len) * 12 + i) + 1 }))
          .sort((a, b) => a.inv - b.inv);
        const txns = withIdx.map((s, id) =>
          txn(
            id,
            id,
            s.type === 'never' ? 'info' : (s.type as Txn['type']),
            s.inv,
            s.type === 'never' ? undefined : s.done,
          ),
        );
        const l = realtimeEdges(txns);
        const pairs: [number, number][] = [];
        for (let i = 0; i < l.length; i++) {
          expect(l.mask[i]).toBe(REALTIME);
          pairs.push([l.from[i]!, l.to[i]!]);
        }
        const r = closure(txns.length, pairs);
        for (const a of txns)
          for (const b of txns) {
            const expected =
              a.type === 'ok' &&
              b.type !== 'fail' &&
              a.completeIndex !== undefined &&
              a.completeIndex < b.invokeIndex;
            expect(r[a.id]![b.id]).toBe(expected);
          }
      }),
      { numRuns: 500 },
    );
  });

  it('real-time edges stay near n × concurrency, not n²', () => {
    // 10,000 txns, 10 at a time in lock-step waves.
    const txns: Txn[] = [];
    for (let w = 0; w < 1000; w++)
      for (let i = 0; i < 10; i++) txns.push(txn(w * 10 + i, i, 'ok', w * 100 + i, w * 100 + 50 + i));
    const l = realtimeEdges(txns);
    expect(l.length).toBe(999 * 10 * 10);
  });
});

describe('Tarjan SCCs', () => {
  it('agree with mutual reachability on random graphs', () => {
    const arb = fc.integer({ min: 1, max: 9 }).chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.constantFrom(WW, WR, RW, WW | RW)), {
          maxLength: 25,
        }),
      ),
    );
    fc.assert(
      fc.property(arb, fc.constantFrom(WW, WW | WR, 0xff), ([n, edges], mask) => {
        const g = buildGraph(n, [list(edges)]);
        const s = sccsOf(g, mask);
        // The generic Tarjan (callbacks per edge) numbers the same components the same way.
        const generic = tarjan(
          n,
          (v) => g.offsets[v]!,
          (v) => g.offsets[v + 1]!,
          (_v, e) => (g.masks[e]! & mask ? g.targets[e]! : -1),
        );
        expect([...generic.comp]).toEqual([...s.comp]);
        expect([...generic.sizes]).toEqual([...s.sizes]);
        const r = closure(
          n,
          edges.filter(([a, b, m]) => a !== b && m & mask).map(([a, b]) => [a, b] as [number, number]),
        );
        for (let a = 0; a < n; a++)
          for (let b = 0; b < n; b++) {
            const same = a === b || (r[a]![b]! && r[b]![a]!);
            expect(s.comp[a] === s.comp[b]).toBe(same);
          }
        // Reverse topological numbering: an edge between components goes to a lower number.
        for (const [a, b, m] of edges)
          if (m & mask && s.comp[a] !== s.comp[b]) expect(s.comp[a]!).toBeGreaterThan(s.comp[b]!);
        let total = 0;
        for (const size of s.sizes) total += size;
        expect(total).toBe(n);
      }),
      { numRuns: 1000 },
    );
  });

  it('a million-txn chain closed into one cycle: one component, no stack overflow', () => {
    const n = 1_000_000;
    const from = new Int32Array(n);
    const to = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      from[i] = i;
      to[i] = (i + 1) % n;
    }
    const g = buildGraph(n, [{ length: n, from, to, mask: new Uint8Array(n).fill(WW) }]);
    const s = sccsOf(g, WW);
    expect(s.count).toBe(1);
    expect(s.sizes[0]).toBe(n);
    // Without the closing edge: a million singleton components.
    const open = sccsOf(g, WR);
    expect(open.count).toBe(n);
    expect(nonTrivialComponents(open)).toEqual([]);
  });
});
