/**
 * How nemesis ops change the dashboard's picture of faults and nodes. Nemesis ops are rare, so this may
 * walk the node list. What an op does is read from the nemesis's declared faults (FaultKind, see
 * src/core/nemesis.ts), never guessed from its `f`: a declared start or stop of a family, and what the
 * family's values mean. `nodes` families put their target nodes in a state (killed, paused, crashed)
 * until their stop heals them; `grudge` values are `{topology, grudge}`, a grudge mapping each node to
 * the nodes it drops; `clock-offsets` completions carry each node's absolute offset in seconds (or a
 * strobe); other families are shown with their targets and settings. A value names its targets as a
 * node, a list of nodes, `'all'`, `{nodes | targets: …}`, or an object keyed by node. Undeclared `f`s
 * change nothing here (the dashboard shows the last nemesis op as it is).
 */
import type { FaultKind, FaultRole } from '../core/nemesis.ts';

export type NodeStatus = 'up' | 'killed' | 'paused' | 'crashed';

export interface NodeRecord {
  status: NodeStatus;
  /** When the status last changed (ns). */
  sinceNs: number;
  /** Nodes this node drops traffic from (its grudge). */
  drops: string[];
  /** A, B, … when a partition splits the cluster into clean sides. */
  side?: string;
  clockOffsetMs: number;
  /** The clock flips between two offsets (clockOffsetMs is the larger one). */
  clockStrobe?: boolean;
}

export interface FaultRecord {
  family: string;
  /** The op that started it. */
  f: string;
  targets: string[];
  /** One short line: "n1 n2 | n3 n4 n5", "n3", "n1 +2.5s". */
  detail: string;
  /** When it started (ns since the run started). */
  sinceNs: number;
  /** Why the nemesis could not confirm the fault took effect (an `info` completion's error). */
  unverified?: string;
}

export interface FaultState {
  readonly nodes: string[];
  readonly faults: Map<string, FaultRecord>;
  readonly nodeState: Map<string, NodeRecord>;
  /** The nemesis's declared faults by `f` (faultRoles of test.json's `faults`). */
  readonly faultRoles: ReadonlyMap<string, FaultRole>;
}

/** Applies one nemesis completion (`ok` or `info`; a `fail` changed nothing) to the picture. */
export function applyNemesis(s: FaultState, f: string, value: unknown, atNs: number, error?: string): void {
  const r = s.faultRoles.get(f);
  if (!r) return;
  const { kind, role } = r;
  const family = kind.family;
  const v = kind.value;
  if (v.kind === 'nodes') {
    if (role === 'start')
      setStatus(s, family, v.nodeState, targetsOf(value, s.nodes), v.nodeState, atNs, f, error);
    else if (role === 'stop') {
      // A heal touches only nodes this family faulted ('all' means all of those), and not the ones its
      // error names ("n4: …"): those are still down.
      const healed = inState(s, targetsOf(value, s.nodes), v.nodeState).filter(
        (n) => !error?.includes(`${n}:`),
      );
      setStatus(s, family, v.nodeState, healed, 'up', atNs, f, error);
    }
    return;
  }
  if (role === 'stop' && error && s.faults.has(family)) {
    // A heal that reports an error may have left the fault in place: keep showing it, marked.
    s.faults.get(family)!.unverified = error;
    return;
  }
  if (v.kind === 'clock-offsets') clockOp(s, kind, role, f, value, atNs, error);
  else if (v.kind === 'grudge') {
    if (role === 'start') startPartition(s, family, value, atNs, f, error);
    else if (role === 'stop') stopPartition(s, family);
  } else if (role === 'stop') s.faults.delete(family);
  else if (role === 'start') {
    const targets = targetsOf(value, s.nodes);
    s.faults.set(family, {
      family,
      f,
      targets,
      detail: describe(targets, value),
      sinceNs: atNs,
      ...unverified(error),
    });
  }
}

const unverified = (error: string | undefined) => (error ? { unverified: error } : {});

function node(s: FaultState, name: string): NodeRecord {
  let n = s.nodeState.get(name);
  if (!n) {
    n = { status: 'up', sinceNs: 0, drops: [], clockOffsetMs: 0 };
    s.nodeState.set(name, n);
  }
  return n;
}

function setStatus(
  s: FaultState,
  family: string,
  faultStatus: NodeStatus,
  targets: string[],
  status: NodeStatus,
  atNs: number,
  f: string,
  error?: string,
): void {
  for (const t of targets) {
    const n = node(s, t);
    if (n.status !== status) {
      n.status = status;
      n.sinceNs = atNs;
    }
  }
  // The family's fault is exactly the nodes still in its state.
  const hit = [...s.nodeState].filter(([, n]) => n.status === faultStatus);
  const prev = s.faults.get(family);
  if (hit.length === 0) {
    s.faults.delete(family);
    return;
  }
  const names = hit.map(([name]) => name);
  s.faults.set(family, {
    family,
    f: prev?.f ?? f,
    targets: names,
    detail: names.join(' '),
    sinceNs: Math.min(...hit.map(([, n]) => n.sinceNs)),
    ...unverified(error ?? prev?.unverified),
  });
}

/** The targets in `status`; every node in it when the value names none ('all', null). */
function inState(s: FaultState, targets: string[], status: NodeStatus): string[] {
  const candidates = targets.length ? targets : [...s.nodeState.keys()];
  return candidates.filter((t) => s.nodeState.get(t)?.status === status);
}

function startPartition(
  s: FaultState,
  family: string,
  value: unknown,
  atNs: number,
  f: string,
  error?: string,
): void {
  const grudge = findGrudge(value, s.nodes);
  const topology = isObj(value) && typeof value.topology === 'string' ? value.topology : '';
  clearPartition(s);
  let targets: string[];
  let detail: string;
  if (!grudge) {
    targets = targetsOf(value, s.nodes);
    detail = targets.length ? targets.join(' ') : topology ? '' : brief(value);
  } else {
    for (const [name, drops] of Object.entries(grudge)) node(s, name).drops = [...drops].sort();
    const sides = components(s);
    targets = [...s.nodeState]
      .filter(([name, n]) => n.drops.length || dropped(s, name))
      .map(([name]) => name);
    if (sides.length > 1) {
      sides.forEach((members, i) => {
        for (const m of members) node(s, m).side = String.fromCharCode(65 + (i % 26));
      });
      detail = sides.map((members) => members.join(' ')).join(' | ');
    } else {
      // Not a clean split (a ring, a bridge): who drops whom.
      detail = [...s.nodeState]
        .filter(([, n]) => n.drops.length)
        .map(([name, n]) => `${name}✕${n.drops.join(',')}`)
        .join(' ');
    }
  }
  if (topology) detail = detail ? `${topology}: ${detail}` : topology;
  s.faults.set(family, { family, f, targets, detail, sinceNs: atNs, ...unverified(error) });
}

function stopPartition(s: FaultState, family: string): void {
  clearPartition(s);
  s.faults.delete(family);
}

function clearPartition(s: FaultState): void {
  for (const n of s.nodeState.values()) {
    n.drops = [];
    delete n.side;
  }
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

/**
 * Clock completions carry each node's absolute setting in seconds (a number, or `{strobe: [a, b]}`);
 * a stop without one sets every node back to 0.
 */
function clockOp(
  s: FaultState,
  kind: FaultKind,
  role: FaultRole['role'],
  f: string,
  value: unknown,
  atNs: number,
  error?: string,
): void {
  const family = kind.family;
  if (isObj(value)) {
    for (const [name, v] of Object.entries(value)) {
      if (!s.nodeState.has(name)) continue;
      if (typeof v === 'number') setClock(node(s, name), v * 1000);
      else if (isObj(v) && Array.isArray(v.strobe)) {
        const [a = 0, b = 0] = v.strobe.map(Number);
        setClock(node(s, name), (Math.abs(a) >= Math.abs(b) ? a : b) * 1000, true);
      }
    }
  } else if (role === 'stop') {
    const targets = targetsOf(value, s.nodes);
    for (const name of targets.length ? targets : [...s.nodeState.keys()]) setClock(node(s, name), 0);
  }
  const skewed = [...s.nodeState].filter(([, n]) => n.clockOffsetMs !== 0 || n.clockStrobe);
  if (skewed.length === 0) {
    s.faults.delete(family);
    return;
  }
  s.faults.set(family, {
    family,
    f,
    targets: skewed.map(([name]) => name),
    detail: skewed
      .map(([name, n]) => `${name} ${n.clockStrobe ? '~' : ''}${signedMs(n.clockOffsetMs)}`)
      .join(' '),
    sinceNs: s.faults.get(family)?.sinceNs ?? atNs,
    ...unverified(error),
  });
}

function setClock(n: NodeRecord, ms: number, strobe = false): void {
  n.clockOffsetMs = ms;
  if (strobe) n.clockStrobe = true;
  else delete n.clockStrobe;
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
  for (const k of ['nodes', 'targets', 'node']) {
    const t = k in value ? targetsOf(value[k], all) : [];
    if (t.length) return t;
  }
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

/** Targets, then the fault's scalar settings and peers: "n1 n2 loss=0.2", "n3 delayMs=100 ↔ n1". */
function describe(targets: string[], value: unknown): string {
  if (!isObj(value)) return targets.length ? targets.join(' ') : brief(value);
  const extras = Object.entries(value)
    .filter(
      ([k, v]) =>
        !['nodes', 'targets', 'node', 'peers'].includes(k) && ['number', 'string'].includes(typeof v),
    )
    .map(([k, v]) => `${k}=${v}`);
  const peers = Array.isArray(value.peers) ? value.peers.map(String) : [];
  const parts = [targets.join(' '), ...extras, peers.length ? `↔ ${peers.join(' ')}` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : brief(value);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function brief(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}
