/**
 * Elle's consistency-model lattice (elle/consistency_model.clj, after Adya, Bailis et al., Cerone et al.,
 * Daudjee & Salem): which models imply which, which anomalies each model proscribes, and which anomalies
 * imply others. From it: the anomalies a set of models prohibits, and the models a set of anomalies rules
 * out (Elle's `:not` / `:also-not` boundary). Pure data and functions.
 *
 * Models have friendly names (`serializable`) and canonical ones (`PL-3`); both are accepted, results
 * use friendly names.
 */
import { UserError } from '../../src/core/errors.ts';

type Dag = Readonly<Record<string, readonly string[]>>;

/** Anomaly → anomalies it implies (a G0 cycle is also a G1c, G1c is a G1…). */
const IMPLIED_ANOMALIES: Dag = {
  G0: ['G1c', 'G0-process'],
  'G0-process': ['G1c-process', 'G0-realtime'],
  'G0-realtime': ['G1c-realtime'],
  G1a: ['G1'],
  G1b: ['G1'],
  G1c: ['G1', 'G1c-process'],
  'G1c-process': ['G1c-realtime', 'G1-process'],
  'G1c-realtime': ['G1-realtime'],
  G1: ['G1-process'],
  'G1-process': ['G1-realtime'],
  'G-single-item': ['G-single', 'G-single-item-process', 'G-nonadjacent-item'],
  'G-single-item-process': ['G-single-process', 'G-single-item-realtime', 'G-nonadjacent-item-process'],
  'G-single-item-realtime': ['G-single-realtime', 'G-nonadjacent-item-realtime'],
  'G-single': ['G-nonadjacent', 'GSIb', 'G-single-process'],
  'G-single-process': ['G-nonadjacent-process', 'G-single-realtime'],
  'G-single-realtime': ['G-nonadjacent-realtime'],
  'G-nonadjacent-item': ['G-nonadjacent', 'G2-item', 'G-nonadjacent-item-process'],
  'G-nonadjacent-item-process': ['G-nonadjacent-process', 'G2-item-process', 'G-nonadjacent-item-realtime'],
  'G-nonadjacent-item-realtime': ['G2-item-realtime', 'G-nonadjacent-realtime'],
  'G-nonadjacent': ['G2', 'G-nonadjacent-process'],
  'G-nonadjacent-process': ['G2-process', 'G-nonadjacent-realtime'],
  'G-nonadjacent-realtime': ['G2-realtime'],
  G2: ['G2-process'],
  'G2-item': ['G2', 'G2-item-process'],
  'G2-item-process': ['G2-process', 'G2-item-realtime'],
  'G2-item-realtime': ['G2-realtime'],
  'G2-process': ['G2-realtime'],
  GSIa: ['GSI'],
  GSIb: ['GSI'],
  // Two committed reads that no one order of appends explains: a dirty read.
  'incompatible-order': ['G1a'],
  // A txn that reads its own later write is a trivial G1c cycle.
  'future-read': ['G1c'],
  'dirty-update': ['G1a'],
  'lost-update': ['write-skew', 'G2-item'],
  'write-skew': ['G2'],
};

/** Friendly model name → canonical (Adya's PL- names where there is one). */
const CANONICAL: Readonly<Record<string, string>> = {
  'consistent-view': 'PL-2+',
  'conflict-serializable': 'PL-3',
  'cursor-stability': 'PL-CS',
  'forward-consistent-view': 'PL-FCV',
  'monotonic-snapshot-read': 'PL-MSR',
  'monotonic-view': 'PL-2L',
  'read-committed': 'PL-2',
  'read-uncommitted': 'PL-1',
  'repeatable-read': 'PL-2.99',
  serializable: 'PL-3',
  'snapshot-isolation': 'PL-SI',
  'strict-serializable': 'PL-SS',
  'strong-serializable': 'PL-SS',
  'update-serializable': 'PL-3U',
  'strong-session-read-uncommitted': 'strong-session-PL-1',
  'strong-session-read-committed': 'strong-session-PL-2',
  'strong-read-uncommitted': 'strong-PL-1',
  'strong-read-committed': 'strong-PL-2',
};

/** Canonical → friendly (where two friendly names share one canonical, the common one). */
const FRIENDLY: Readonly<Record<string, string>> = (() => {
  const out: Record<string, string> = {};
  for (const [f, c] of Object.entries(CANONICAL)) out[c] ??= f;
  out['PL-3'] = 'serializable';
  out['PL-SS'] = 'strict-serializable';
  return out;
})();

/** The canonical name of a model (itself when it has no other). */
export const canonicalModel = (m: string): string => CANONICAL[m] ?? m;
/** The friendly name of a model (itself when it has no other). */
export const friendlyModel = (m: string): string => FRIENDLY[m] ?? m;

/** Model → the weaker models it implies (friendly names here; canonicalized below). */
const MODELS_FRIENDLY: Dag = {
  'causal-cerone': ['read-atomic'],
  'consistent-view': ['cursor-stability', 'monotonic-view'],
  'conflict-serializable': ['view-serializable'],
  'cursor-stability': ['read-committed', 'PL-2'],
  'forward-consistent-view': ['consistent-view'],
  'PL-2': ['PL-1'],
  'PL-3': ['repeatable-read', 'update-serializable'],
  'update-serializable': ['forward-consistent-view'],
  'monotonic-atomic-view': ['read-committed'],
  'monotonic-view': ['PL-2'],
  'monotonic-snapshot-read': ['PL-2'],
  'parallel-snapshot-isolation': ['causal-cerone', 'ROLA'],
  prefix: ['causal-cerone'],
  'read-atomic': ['monotonic-atomic-view'],
  'read-committed': ['read-uncommitted'],
  'repeatable-read': ['cursor-stability', 'monotonic-atomic-view'],
  ROLA: ['read-atomic'],
  serializable: ['repeatable-read', 'snapshot-isolation', 'view-serializable'],
  'session-serializable': ['1SR'],
  'snapshot-isolation': [
    'forward-consistent-view',
    'monotonic-atomic-view',
    'monotonic-snapshot-read',
    'parallel-snapshot-isolation',
    'prefix',
  ],
  'strict-serializable': [
    'PL-3',
    'serializable',
    'linearizable',
    'snapshot-isolation',
    'strong-snapshot-isolation',
    'strong-session-serializable',
  ],
  'strong-session-PL-1': ['PL-1'],
  'strong-session-PL-2': ['PL-2', 'strong-session-PL-1'],
  'strong-PL-1': ['strong-session-PL-1'],
  'strong-PL-2': ['strong-session-PL-2', 'strong-PL-1'],
  'strong-session-serializable': ['serializable', 'strong-session-snapshot-isolation'],
  'strong-session-snapshot-isolation': ['snapshot-isolation', 'strong-session-PL-2'],
  'strong-serializable': ['session-serializable'],
  'strong-snapshot-isolation': ['strong-session-snapshot-isolation', 'strong-PL-2'],
  linearizable: ['sequential'],
  sequential: ['causal'],
  causal: ['writes-follow-reads', 'PRAM'],
  PRAM: ['monotonic-reads', 'monotonic-writes', 'read-your-writes'],
};

/** Model (friendly name here) → the anomalies it proscribes directly, beyond those of weaker models. */
const PROSCRIBED_FRIENDLY: Dag = {
  'causal-cerone': ['internal', 'G1a'],
  'cursor-stability': ['G1', 'G-cursor', 'lost-update'],
  'monotonic-view': ['G1', 'G-monotonic'],
  'monotonic-snapshot-read': ['G1', 'G-MSR'],
  'consistent-view': ['G1', 'G-single'],
  'forward-consistent-view': ['G1', 'G-SIb'],
  'parallel-snapshot-isolation': ['internal', 'G1a'],
  'PL-3': ['G1', 'G2', 'predicate-read-miss', 'PL-3-cycle-exists'],
  'PL-2': ['G1', 'PL-2-cycle-exists'],
  // `garbage-read` (a value no txn wrote) is ours, not Elle's: no model allows it.
  'PL-1': ['G0', 'duplicate-elements', 'cyclic-versions', 'garbage-read', 'PL-1-cycle-exists'],
  prefix: ['internal', 'G1a'],
  serializable: ['internal'],
  'snapshot-isolation': ['internal', 'G1', 'G-SI', 'G-nonadjacent', 'PL-SI-cycle-exists'],
  'read-atomic': ['internal', 'G1a', 'future-read'],
  'repeatable-read': ['G1', 'G2-item', 'PL-2.99-cycle-exists', 'lost-update'],
  ROLA: ['lost-update'],
  'strict-serializable': ['G1', 'G1c-realtime', 'G2-realtime', 'PL-SS-cycle-exists'],
  'strong-session-PL-1': ['strong-session-PL-1-cycle-exists', 'G0-process'],
  'strong-session-PL-2': ['strong-session-PL-2-cycle-exists', 'G1c-process'],
  'strong-PL-1': ['strong-PL-1-cycle-exists', 'G0-realtime'],
  'strong-PL-2': ['strong-PL-2-cycle-exists', 'G1c-realtime'],
  'strong-session-snapshot-isolation': [
    'internal',
    'G1-process',
    'G-nonadjacent-process',
    'strong-session-snapshot-isolation-cycle-exists',
  ],
  'strong-snapshot-isolation': [
    'internal',
    'G1-realtime',
    'G-nonadjacent-realtime',
    'strong-snapshot-isolation-cycle-exists',
  ],
  'strong-session-serializable': ['G1-process', 'G2-process', 'strong-session-serializable-cycle-exists'],
  'update-serializable': ['G1', 'G-update'],
};

/** A DAG with both directions, vertices canonicalized by `canon`, duplicate edges merged. */
function bidag(dag: Dag, canonFrom: (s: string) => string, canonTo: (s: string) => string) {
  const out = new Map<string, Set<string>>();
  const inn = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, a: string, b: string) => {
    const s = m.get(a) ?? new Set<string>();
    m.set(a, s);
    s.add(b);
  };
  for (const [a0, bs] of Object.entries(dag)) {
    const a = canonFrom(a0);
    if (!out.has(a)) out.set(a, new Set());
    for (const b0 of bs) {
      const b = canonTo(b0);
      add(out, a, b);
      add(inn, b, a);
    }
  }
  return { out, inn };
}

const same = (s: string) => s;
const ANOMALY_DAG = bidag(IMPLIED_ANOMALIES, same, same);
const MODEL_DAG = bidag(MODELS_FRIENDLY, canonicalModel, canonicalModel);
const PROSCRIBED = bidag(PROSCRIBED_FRIENDLY, canonicalModel, same);

/** Everything reachable from `start` (inclusive) along `next`. */
function closure(start: Iterable<string>, next: Map<string, Set<string>>): Set<string> {
  const seen = new Set<string>();
  const todo = [...start];
  while (todo.length) {
    const x = todo.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const y of next.get(x) ?? []) if (!seen.has(y)) todo.push(y);
  }
  return seen;
}

/** Every model name the checker knows, friendly and canonical, sorted. */
export const KNOWN_MODELS: readonly string[] = (() => {
  const s = new Set<string>([...Object.keys(CANONICAL), ...Object.values(CANONICAL)]);
  for (const [a, bs] of MODEL_DAG.out) {
    s.add(a);
    for (const b of bs) s.add(b);
  }
  return [...s].sort();
})();
const KNOWN = new Set(KNOWN_MODELS);

/**
 * The canonical names of `models`. Throws a UserError naming the unknown ones and listing the known
 * names when a name is not a model the checker knows.
 */
export function validateModels(models: readonly string[]): string[] {
  const unknown = models.filter((m) => !KNOWN.has(m));
  if (unknown.length)
    throw new UserError(
      `unknown consistency model${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known models: ${KNOWN_MODELS.join(', ')}`,
    );
  return models.map(canonicalModel);
}

/** The anomalies that imply any of `anomalies` (them included): seeing any of these means seeing one of them. */
export function anomaliesImplying(anomalies: Iterable<string>): Set<string> {
  return closure(anomalies, ANOMALY_DAG.inn);
}

/** The anomalies `anomalies` imply (them included). */
export function impliedAnomalies(anomalies: Iterable<string>): Set<string> {
  return closure(anomalies, ANOMALY_DAG.out);
}

/**
 * The anomalies that cannot occur if all of `models` hold (Elle's `anomalies-prohibited-by`): what each
 * model and every weaker model it implies proscribe, plus every anomaly implying one of those. Throws
 * a UserError for an unknown model name.
 */
export function anomaliesProhibitedBy(models: readonly string[]): Set<string> {
  const all = closure(validateModels(models), MODEL_DAG.out);
  const direct: string[] = [];
  for (const m of all) for (const a of PROSCRIBED.out.get(m) ?? []) direct.push(a);
  return anomaliesImplying(direct);
}

/** The models (canonical names) that cannot hold given `anomalies` were seen, stronger ones included. */
export function impossibleModels(anomalies: Iterable<string>): Set<string> {
  const direct: string[] = [];
  for (const a of impliedAnomalies(anomalies)) for (const m of PROSCRIBED.inn.get(a) ?? []) direct.push(m);
  return closure(direct, MODEL_DAG.inn);
}

/** The members of `models` (canonical) that imply no other member: the weakest of them. */
function weakest(models: Set<string>): Set<string> {
  const out = new Set(models);
  for (const m of models) {
    const rest = new Set(out);
    rest.delete(m);
    const below = closure(MODEL_DAG.out.get(m) ?? [], MODEL_DAG.out);
    for (const b of below)
      if (rest.has(b)) {
        out.delete(m);
        break;
      }
  }
  return out;
}

/** Elle's `:not` / `:also-not`: the weakest models the anomalies rule out, and the stronger ones. */
export interface Boundary {
  /** The weakest models ruled out, friendly names, sorted. */
  not: string[];
  /** Every other model ruled out (all stronger than some in `not`), friendly names, sorted. */
  alsoNot: string[];
}

/** Elle's `friendly-boundary`: the models `anomalyTypes` rule out, split into the weakest and the rest. */
export function friendlyBoundary(anomalyTypes: Iterable<string>): Boundary {
  const impossible = impossibleModels(anomalyTypes);
  const not = weakest(impossible);
  const names = (xs: Iterable<string>) => [...new Set([...xs].map(friendlyModel))].sort();
  const notNames = names(not);
  return {
    not: notNames,
    alsoNot: names([...impossible].filter((m) => !not.has(m))).filter((m) => !notNames.includes(m)),
  };
}
