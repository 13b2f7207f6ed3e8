/** Test definitions: what a test file exports (`defineTest`), validated, then resolved with CLI flags. */
import type { z } from 'zod';
import type { SshHost } from '../cluster/ssh/types.ts';
import { type CLUSTER_KINDS, FIELDS, type FieldName, type FLAVOUR_NAMES, testSchema } from './options.ts';
import type { SshAuthMethod } from './ssh.ts';

export { testSchema };

/** Everything a test may set (src/config/options.ts declares each field). Every field has a CLI flag; the flag wins. */
export type TestDefinition = z.infer<typeof testSchema>;

/** Marks a test file's export; validation happens when it is loaded, with a one-line error. */
export function defineTest(def: TestDefinition): TestDefinition {
  return def;
}

/**
 * The resolved test, stored as test.json and read back by `--replay` (objects given in a test file are
 * stored by name, with `testFile` and `fromTestFile` saying where to load them again). Times in seconds
 * as in the definition; `checkerMemoryLimit` in MB.
 */
export interface ResolvedTest {
  name: string;
  system: string;
  mode: string;
  workload: string;
  nemesis: string[];
  nodes: string[];
  concurrency: number;
  /** Seconds of workload under faults (--time-limit; Jepsen's name, so no unit suffix). */
  timeLimit: number;
  rate: number;
  seed: number;
  /** Seconds to wait after the heal before final reads (--recovery-time). */
  recoveryTime: number;
  /** Seconds after which an op completes as `info` (--op-timeout). */
  opTimeout: number;
  /** Seconds after which a nemesis op completes as `info` (--nemesis-timeout). */
  nemesisTimeout: number;
  /** Mean seconds between fault starts (--nemesis-interval). */
  nemesisInterval: number;
  /** The checkers' time budget, seconds (--checker-time-limit). */
  checkerTimeLimit: number;
  /** The checkers' memory budget, MB (--checker-memory-limit); undefined: the default. */
  checkerMemoryLimit: number | undefined;
  resultsDir: string;
  /**
   * The models the transactional checker checks (--consistency-models), Elle's names; undefined when
   * not given (the workload's default, strict-serializable). Only txn workloads take it.
   */
  consistencyModels?: string[];
  options: Record<string, unknown>;
  /** The node image flavour (cluster systems). */
  flavour?: (typeof FLAVOUR_NAMES)[number];
  /** The node image, when one was given instead of a flavour's. */
  image?: string;
  /** `ssh`: the nodes are existing hosts reached over SSH (--ssh); absent: Docker containers. */
  cluster?: (typeof CLUSTER_KINDS)[number];
  /** Never set: the nodes file is read at resolve time and its hosts stored as `sshHosts`. */
  nodesFile?: string;
  /** SSH runs: the default login user (--username). */
  username?: string;
  /** SSH runs: the private key file (--ssh-private-key); the path only, never the key. */
  sshPrivateKey?: string;
  /** SSH runs: the default sshd port (--ssh-port). */
  sshPort?: number;
  /** SSH runs: host keys checked against known_hosts (default true). */
  strictHostKeyChecking?: boolean;
  /** SSH runs: the known_hosts file (--known-hosts); default ~/.ssh/known_hosts. */
  knownHosts?: string;
  /** SSH runs: commands run through sudo (default false). */
  sudo?: boolean;
  /** SSH runs: every host, with its user and port (what --replay connects to again). */
  sshHosts?: SshHost[];
  /** SSH runs: how it logged in, without any secret ('password': --replay needs the password again). */
  sshAuth?: SshAuthMethod;
  /** Absolute path of the test file the test came from, if any. */
  testFile?: string;
  /** Fields the test file gave as objects (system, workload, nemesis): --replay loads them from the file. */
  fromTestFile?: ('system' | 'workload' | 'nemesis')[];
}

// Every declared field is a field of the resolved test (compile-time check).
type _EveryFieldResolved = FieldName extends keyof ResolvedTest ? true : never;
const _everyFieldResolved: _EveryFieldResolved = true;
void _everyFieldResolved;

/** The default of a field (options.ts), typed by the caller. */
export const fieldDefault = <T>(k: FieldName): T => FIELDS[k].default as T;

/** Defaults of the fields that have one (from options.ts). */
export const DEFAULTS = {
  system: fieldDefault<string>('system'),
  workload: fieldDefault<string>('workload'),
  nodes: fieldDefault<number>('nodes'),
  concurrency: fieldDefault<string>('concurrency'),
  timeLimit: fieldDefault<number>('timeLimit'),
  rate: fieldDefault<number>('rate'),
  recoveryTime: fieldDefault<number>('recoveryTime'),
  opTimeout: fieldDefault<number>('opTimeout'),
  nemesisTimeout: fieldDefault<number>('nemesisTimeout'),
  nemesisInterval: fieldDefault<number>('nemesisInterval'),
  checkerTimeLimit: fieldDefault<number>('checkerTimeLimit'),
  resultsDir: fieldDefault<string>('resultsDir'),
  flavour: fieldDefault<'debian' | 'hostroot'>('flavour'),
} as const;

/** Node names: the given names, or n1…nN for a count. */
export function nodeNames(nodes: number | string[] | undefined): string[] {
  if (Array.isArray(nodes)) return nodes;
  return Array.from({ length: nodes ?? DEFAULTS.nodes }, (_, i) => `n${i + 1}`);
}

/** Client threads: a count, or `kn` = k times the node count. Throws on text that is neither. */
export function resolveConcurrency(c: number | string | undefined, nodeCount: number): number {
  const v = c ?? DEFAULTS.concurrency;
  if (typeof v === 'number') return v;
  const m = /^(\d+)n$/.exec(v);
  if (!m) throw new Error(`--concurrency ${v}: expected a number or a multiple of the node count like 2n`);
  return Math.max(1, Number(m[1]) * nodeCount);
}

/** Fault family names from `--nemesis a,b`, an array, or a package object (its nemesis's name). */
export function nemesisNames(n: TestDefinition['nemesis']): string[] {
  if (n === undefined || n === 'none' || n === '') return [];
  if (typeof n === 'string')
    return n
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .filter((s) => s !== 'none');
  if (Array.isArray(n)) return n.filter((s) => s !== 'none');
  return [n.nemesis.name];
}
