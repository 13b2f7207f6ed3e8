/**
 * A small self-contained fault package for the systems' integration tests and bench/systems.ts:
 * partitions that isolate the current primary (or a random minority), kills and pauses through the
 * System's own hooks. It exists so these tests do not depend on nemeses/ while that is being written;
 * the runs also work with `nemesis: 'partition,kill,pause,clock'` once those families land.
 */

import type { Generator } from '../../../src/core/generator.ts';
import type { Completion, NemesisPackage, NodeRef, RunContext, System } from '../../../src/core/index.ts';
import { Rng } from '../../../src/core/rng.ts';
import { once, seq, sleep } from '../../../src/generator/index.ts';

export type FaultKind = 'partition-primary' | 'partition-random' | 'kill' | 'pause';

export interface FaultPlan {
  kinds: FaultKind[];
  /** Seconds of each fault and of each quiet gap between faults. */
  faultS: number;
  gapS: number;
  timeLimitS: number;
  seed: number;
}

const nodeRef = (test: RunContext, name: string): NodeRef => {
  const remote = test.remotes.find((r) => r.name === name);
  if (!remote) throw new Error(`no node ${name}`);
  return { name, remote };
};

/** Every node drops input from every node on the other side of the cut. */
async function cut(test: RunContext, isolated: readonly string[]): Promise<void> {
  const inside = new Set(isolated);
  await Promise.all(
    test.remotes.map(async (r) => {
      const others = test.remotes.filter((o) => inside.has(o.name) !== inside.has(r.name));
      for (const o of others) {
        const res = await r.netExec(['iptables', '-A', 'INPUT', '-s', o.ip, '-j', 'DROP']);
        if (res.exitCode !== 0) throw new Error(`${r.name}: iptables failed: ${res.stderr.trim()}`);
      }
    }),
  );
}

async function healNet(test: RunContext): Promise<void> {
  await Promise.all(test.remotes.map((r) => r.netExec(['iptables', '-F', 'INPUT'])));
}

export function faultPackage(system: System, plan: FaultPlan): NemesisPackage {
  const rng = new Rng(plan.seed ^ 0xfa17);
  const killed = new Set<string>();
  const paused = new Set<string>();
  const pick = (test: RunContext) => test.nodes[rng.int(test.nodes.length)]!;
  const primaryOr = async (test: RunContext) => (await system.primaries?.(test))?.[0] ?? pick(test);
  const heal = async (test: RunContext): Promise<string[]> => {
    await healNet(test);
    for (const n of paused) await system.resume?.(test, nodeRef(test, n));
    for (const n of killed) await system.start?.(test, nodeRef(test, n));
    const healed = [...paused, ...killed];
    paused.clear();
    killed.clear();
    return healed;
  };
  const steps: Generator[] = [];
  let t = plan.gapS;
  for (let i = 0; t + plan.faultS < plan.timeLimitS; i++) {
    const kind = plan.kinds[i % plan.kinds.length]!;
    steps.push(sleep(plan.gapS), once({ f: `start-${kind}`, value: null }));
    steps.push(sleep(plan.faultS), once({ f: 'heal', value: null }));
    t += plan.gapS + plan.faultS;
  }
  return {
    nemesis: {
      name: 'test-faults',
      fs: [...plan.kinds.map((k) => `start-${k}`), 'heal'],
      async invoke(test, op): Promise<Completion> {
        try {
          switch (op.f) {
            case 'start-partition-primary': {
              const p = await primaryOr(test);
              await cut(test, [p]);
              return { type: 'ok', value: { isolated: [p] } };
            }
            case 'start-partition-random': {
              const n = pick(test);
              await cut(test, [n]);
              return { type: 'ok', value: { isolated: [n] } };
            }
            case 'start-kill': {
              const n = rng.float() < 0.5 ? await primaryOr(test) : pick(test);
              await system.kill?.(test, nodeRef(test, n));
              killed.add(n);
              return { type: 'ok', value: { killed: [n] } };
            }
            case 'start-pause': {
              const n = rng.float() < 0.5 ? await primaryOr(test) : pick(test);
              await system.pause?.(test, nodeRef(test, n));
              paused.add(n);
              return { type: 'ok', value: { paused: [n] } };
            }
            case 'heal':
              return { type: 'ok', value: { healed: await heal(test) } };
            default:
              return { type: 'fail', error: `unknown fault ${op.f}` };
          }
        } catch (err) {
          return { type: 'info', error: (err as Error).message };
        }
      },
      async teardown(test) {
        await heal(test).catch(() => {});
      },
    },
    generator: seq(...steps),
    finalGenerator: once({ f: 'heal', value: null }),
  };
}
