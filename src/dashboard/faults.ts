/**
 * How nemesis ops change the dashboard's picture of faults and nodes. Nemesis ops are rare, so this may
 * walk the node list. The vocabulary follows Jepsen's: `start-X`/`stop-X` for a fault family X (a
 * partition's value carries its grudge: node → nodes it drops), `kill`/`start` (or `restart`) and
 * `pause`/`resume` with target nodes, and clock ops (`bump-clock` deltas in ms, `reset-clock`, and any
 * clock op whose value carries absolute `offsets`). A value names its targets as a node, a list of
 * nodes, `'all'`, `{targets | nodes: …}`, or an object keyed by node.
 */

export type NodeStatus = 'up' | 'killed' | 'paused';

export interface NodeRecord {
  status: NodeStatus;
  /** When the status last changed (ns). */
  since: number;
  /** Nodes this node drops traffic from (its grudge). */
  drops: string[];
  /** A, B, … when a partition splits the cluster into clean sides. */
  side?: string;
  clockOffsetMs: number;
}

export interface FaultRecord {
  family: string;
  /** The op that started it. */
  f: string;
  targets: string[];
  /** One short line: "n1 n2 | n3 n4 n5", "n3", "+250ms n1". */
  detail: string;
  since: number;
}

export interface FaultState {
  readonly nodes: string[];
  readonly faults: Map<string, FaultRecord>;
  readonly nodeState: Map<string, NodeRecord>;
}

const KILL = new Set(['kill', 'kill-node', 'kill-nodes', 'crash', 'start-kill']);
const RESTART = new Set([
  'start',
  'restart',
  'start-node',
  'start-nodes',
  'restart-node',
  'recover',
  'stop-kill',
]);
const PAUSE = new Set(['pause', 'pause-node', 'pause-nodes', 'start-pause']);
const RESUME = new Set(['resume', 'resume-node', 'resume-nodes', 'stop-pause']);

export function applyNemesis(s: FaultState, f: string, value: unknown, at: number): void {
  if (KILL.has(f)) setStatus(s, targetsOf(value, s.nodes), 'killed', at, 'kill', f);
  else if (RESTART.has(f)) setStatus(s, targetsOrWhere(s, value, 'killed'), 'up', at, 'kill', f);
  else if (PAUSE.has(f)) setStatus(s, targetsOf(value, s.nodes), 'paused', at, 'pause', f);
  else if (RESUME.has(f)) setStatus(s, targetsOrWhere(s, value, 'paused'), 'up', at, 'pause', f);
  else if (f === 'start-partition') startPartition(s, value, at, f);
  else if (f === 'stop-partition') stopPartition(s);
  else if (f.includes('clock') || f === 'check-offsets') clockOp(s, f, value, at);
  else {
    const m = /^(start|stop)-(.+)$/.exec(f);
    if (!m) return;
    const family = m[2]!;
    if (m[1] === 'stop') s.faults.delete(family);
    else {
      const targets = targetsOf(value, s.nodes);
      s.faults.set(family, {
        family,
        f,
        targets,
        detail: targets.length ? targets.join(' ') : brief(value),
        since: at,
      });
    }
  }
}

function node(s: FaultState, name: string): NodeRecord {
  let n = s.nodeState.get(name);
  if (!n) {
    n = { status: 'up', since: 0, drops: [], clockOffsetMs: 0 };
    s.nodeState.set(name, n);
  }
  return n;
}

function setStatus(
  s: FaultState,
  targets: string[],
  status: NodeStatus,
  at: number,
  family: string,
  f: string,
) {
  for (const t of targets) {
    const n = node(s, t);
    if (n.status !== status) {
      n.status = status;
      n.since = at;
    }
  }
  // The family's fault is exactly the nodes still in its state.
  const bad = family === 'kill' ? 'killed' : 'paused';
  const hit = [...s.nodeState].filter(([, n]) => n.status === bad);
  if (hit.length === 0) s.faults.delete(family);
  else {
    const targetsNow = hit.map(([name]) => name);
    const since = Math.min(...hit.map(([, n]) => n.since));
    s.faults.set(family, {
      family,
      f: s.faults.get(family)?.f ?? f,
      targets: targetsNow,
      detail: targetsNow.join(' '),
      since,
    });
  }
}

/** A restart or resume without named targets applies to every node in that state. */
function targetsOrWhere(s: FaultState, value: unknown, status: NodeStatus): string[] {
  const t = targetsOf(value, s.nodes);
  return t.length ? t : [...s.nodeState].filter(([, n]) => n.status === status).map(([name]) => name);
}

function startPartition(s: FaultState, value: unknown, at: number, f: string) {
  const grudge = findGrudge(value, s.nodes);
  if (!grudge) {
    const targets = targetsOf(value, s.nodes);
    s.faults.set('partition', {
      family: 'partition',
      f,
      targets,
      detail: targets.length ? targets.join(' ') : brief(value),
      since: at,
    });
    return;
  }
  for (const n of s.nodeState.values()) {
    n.drops = [];
    delete n.side;
  }
  for (const [name, drops] of Object.entries(grudge)) node(s, name).drops = [...drops].sort();
  const sides = components(s);
  const involved = [...s.nodeState]
    .filter(([name, n]) => n.drops.length || dropped(s, name))
    .map(([name]) => name);
  let detail: string;
  if (sides.length > 1) {
    sides.forEach((members, i) => {
      for (const m of members) node(s, m).side = String.fromCharCode(65 + (i % 26));
    });
    detail = sides.map((members) => members.join(' ')).join(' | ');
  } else {
    detail = [...s.nodeState]
      .filter(([, n]) => n.drops.length)
      .map(([name, n]) => `${name}✕${n.drops.join(',')}`)
      .join(' ');
  }
  s.faults.set('partition', { family: 'partition', f, targets: involved, detail, since: at });
}

function stopPartition(s: FaultState) {
  for (const n of s.nodeState.values()) {
    n.drops = [];
    delete n.side;
  }
  s.faults.delete('partition');
}

function dropped(s: FaultState, name: string): boolean {
  for (const n of s.nodeState.values()) if (n.drops.includes(name)) return true;
  return false;
}

/** Groups of nodes that can all talk to each other's group members: two nodes link when neither drops the other. */
function components(s: FaultState): string[][] {
  const names = [...s.nodeState.keys()];
  const parent = names.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = s.nodeState.get(names[i]!)!;
      const b = s.nodeState.get(names[j]!)!;
      if (!a.drops.includes(names[j]!) && !b.drops.includes(names[i]!)) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, string[]>();
  names.forEach((n, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(n);
    else groups.set(r, [n]);
  });
  return [...groups.values()];
}

function clockOp(s: FaultState, f: string, value: unknown, at: number) {
  const abs = isObj(value) ? (value.offsets ?? value.clockOffsets ?? value['clock-offsets']) : undefined;
  if (isObj(abs)) {
    for (const [name, v] of Object.entries(abs)) if (typeof v === 'number') node(s, name).clockOffsetMs = v;
  } else if (f === 'reset-clock') {
    const targets = targetsOf(value, s.nodes);
    for (const name of targets.length ? targets : [...s.nodeState.keys()]) node(s, name).clockOffsetMs = 0;
  } else if (f === 'bump-clock' && isObj(value)) {
    const deltas = isObj(value.deltas) ? value.deltas : value;
    for (const [name, v] of Object.entries(deltas))
      if (typeof v === 'number') node(s, name).clockOffsetMs += v;
  } else if (f !== 'check-offsets' && f !== 'check-clock-offsets') {
    // A clock fault we do not model (strobe…): show it with its targets until a reset.
    const targets = targetsOf(value, s.nodes);
    s.faults.set(f, {
      family: f,
      f,
      targets,
      detail: targets.length ? targets.join(' ') : brief(value),
      since: at,
    });
  }
  if (f === 'reset-clock') for (const k of [...s.faults.keys()]) if (k.includes('clock')) s.faults.delete(k);
  const skewed = [...s.nodeState].filter(([, n]) => n.clockOffsetMs !== 0);
  if (skewed.length === 0) s.faults.delete('clock');
  else {
    const since = s.faults.get('clock')?.since ?? at;
    s.faults.set('clock', {
      family: 'clock',
      f,
      targets: skewed.map(([name]) => name),
      detail: skewed.map(([name, n]) => `${name} ${signedMs(n.clockOffsetMs)}`).join(' '),
      since,
    });
  }
}

export function signedMs(ms: number): string {
  const abs = Math.abs(ms);
  const text = abs >= 1000 ? `${(abs / 1000).toFixed(abs >= 10_000 ? 0 : 1)}s` : `${Math.round(abs)}ms`;
  return `${ms < 0 ? '-' : '+'}${text}`;
}

/** The nodes a nemesis value names. Specs like 'majority' name none (the completion usually does). */
export function targetsOf(value: unknown, all: readonly string[]): string[] {
  if (typeof value === 'string') return value === 'all' ? [...all] : all.includes(value) ? [value] : [];
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string'))
      return value.includes('all') ? [...all] : (value as string[]);
    return [...new Set(value.flatMap((v) => targetsOf(v, all)))];
  }
  if (!isObj(value)) return [];
  for (const k of ['targets', 'nodes', 'node']) if (k in value) return targetsOf(value[k], all);
  return Object.keys(value).filter((k) => all.includes(k));
}

/** A grudge (node → nodes it drops) in a partition value: the value itself, `.grudge`, or inside a tuple. */
export function findGrudge(value: unknown, all: readonly string[]): Record<string, string[]> | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const g = findGrudge(v, all);
      if (g) return g;
    }
    return undefined;
  }
  if (!isObj(value)) return undefined;
  if ('grudge' in value) return findGrudge(value.grudge, all);
  const entries = Object.entries(value);
  if (entries.length === 0) return undefined;
  const lists = entries.every(([, v]) => Array.isArray(v) && v.every((x) => typeof x === 'string'));
  return lists && entries.some(([k]) => all.includes(k)) ? (value as Record<string, string[]>) : undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function brief(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}
