import { describe, expect, it } from 'vitest';
import { CYCLE_TYPES } from '../../../../checkers/elle/cycles.ts';
import {
  anomaliesProhibitedBy,
  canonicalModel,
  friendlyBoundary,
  friendlyModel,
  impossibleModels,
  KNOWN_MODELS,
  validateModels,
} from '../../../../checkers/elle/models.ts';
import { UserError } from '../../../../src/core/errors.ts';

const sorted = (s: Iterable<string>) => [...s].sort();
const friendly = (s: Iterable<string>) => sorted(new Set([...s].map(friendlyModel)));
const cycleTypesIn = (s: Set<string>) => CYCLE_TYPES.filter((t) => s.has(t)).sort();

describe('the model lattice (elle/consistency_model.clj and its tests)', () => {
  it('read-committed prohibits G0, G1 and what implies them', () => {
    // Elle's test lists these; its lattice has since added future-read (a trivial G1c) and the
    // cycle-exists types; garbage-read is ours (a value no txn wrote).
    expect(sorted(anomaliesProhibitedBy(['read-committed']))).toEqual(
      sorted([
        'dirty-update',
        'G1a',
        'G1b',
        'G1c',
        'G1',
        'G0',
        'cyclic-versions',
        'duplicate-elements',
        'incompatible-order',
        'future-read',
        'garbage-read',
        'PL-1-cycle-exists',
        'PL-2-cycle-exists',
      ]),
    );
  });

  it('which cycle classes each model prohibits', () => {
    const data = ['G0', 'G1c', 'G-single', 'G-nonadjacent', 'G2-item'].sort();
    expect(cycleTypesIn(anomaliesProhibitedBy(['serializable']))).toEqual(data);
    expect(cycleTypesIn(anomaliesProhibitedBy(['PL-3']))).toEqual(data);
    expect(cycleTypesIn(anomaliesProhibitedBy(['strict-serializable']))).toEqual([...CYCLE_TYPES].sort());
    expect(cycleTypesIn(anomaliesProhibitedBy(['snapshot-isolation']))).toEqual(
      ['G0', 'G1c', 'G-single', 'G-nonadjacent'].sort(),
    );
    // Elle's lattice: repeatable-read proscribes G2-item, and G-single does not imply G2-item.
    expect(cycleTypesIn(anomaliesProhibitedBy(['repeatable-read']))).toEqual(['G0', 'G1c', 'G2-item'].sort());
    expect(cycleTypesIn(anomaliesProhibitedBy(['read-uncommitted']))).toEqual(['G0']);
    expect(cycleTypesIn(anomaliesProhibitedBy(['strong-session-serializable']))).toEqual(
      [...data, ...data.map((t) => `${t}-process`)].sort(),
    );
    expect(cycleTypesIn(anomaliesProhibitedBy(['strong-session-snapshot-isolation']))).toEqual(
      [
        'G0',
        'G1c',
        'G-single',
        'G-nonadjacent',
        'G0-process',
        'G1c-process',
        'G-single-process',
        'G-nonadjacent-process',
      ].sort(),
    );
    expect(anomaliesProhibitedBy(['repeatable-read']).has('lost-update')).toBe(true);
    expect(anomaliesProhibitedBy(['read-committed']).has('internal')).toBe(false);
    expect(anomaliesProhibitedBy(['serializable']).has('internal')).toBe(true);
  });

  it('the models an anomaly rules out (Elle’s anomaly->impossible-models test)', () => {
    expect(friendly(impossibleModels(['G-single']))).toEqual(
      sorted([
        'consistent-view',
        'forward-consistent-view',
        'strict-serializable',
        'serializable',
        'snapshot-isolation',
        'strong-session-serializable',
        'strong-session-snapshot-isolation',
        'strong-snapshot-isolation',
        'update-serializable',
      ]),
    );
    expect(friendly(impossibleModels(['G-SI']))).toEqual(
      sorted([
        'snapshot-isolation',
        'serializable',
        'strict-serializable',
        'strong-session-serializable',
        'strong-session-snapshot-isolation',
        'strong-snapshot-isolation',
      ]),
    );
  });

  it('friendly boundaries (Elle’s friendly-boundary test)', () => {
    expect(friendlyBoundary([])).toEqual({ not: [], alsoNot: [] });
    expect(friendlyBoundary(['G-single'])).toEqual({
      not: ['consistent-view'],
      alsoNot: sorted([
        'snapshot-isolation',
        'serializable',
        'strict-serializable',
        'strong-session-snapshot-isolation',
        'strong-snapshot-isolation',
        'strong-session-serializable',
        'forward-consistent-view',
        'update-serializable',
      ]),
    });
    // Elle's test predates ROLA in the lattice; ROLA implies read-atomic, so it is ruled out too.
    const internal = {
      not: ['read-atomic'],
      alsoNot: sorted([
        'ROLA',
        'causal-cerone',
        'parallel-snapshot-isolation',
        'prefix',
        'serializable',
        'snapshot-isolation',
        'strict-serializable',
        'strong-session-serializable',
        'strong-session-snapshot-isolation',
        'strong-snapshot-isolation',
      ]),
    };
    expect(friendlyBoundary(['internal'])).toEqual(internal);
    expect(friendlyBoundary(['G2', 'internal'])).toEqual(internal);
    expect(friendlyBoundary(['G2-item']).not).toEqual(['repeatable-read']);
    // Elle's older test says read-atomic too; its current lattice has read-atomic imply
    // monotonic-atomic-view, which implies read-committed, so read-committed alone is the weakest.
    expect(friendlyBoundary(['G1a']).not).toEqual(['read-committed']);
    expect(friendlyBoundary(['G1a']).alsoNot).toContain('read-atomic');
    expect(friendlyBoundary(['cyclic-versions']).not).toEqual(['read-uncommitted']);
    expect(friendlyBoundary(['G0-realtime']).not).toEqual(['strong-read-uncommitted']);
  });

  it('friendly and canonical names', () => {
    expect(canonicalModel('serializable')).toBe('PL-3');
    expect(friendlyModel('PL-3')).toBe('serializable');
    expect(friendlyModel('PL-SS')).toBe('strict-serializable');
    expect(validateModels(['strong-serializable', 'PL-SI'])).toEqual(['PL-SS', 'PL-SI']);
    expect(KNOWN_MODELS).toContain('strong-session-snapshot-isolation');
  });

  it('an unknown model name is a UserError listing the known names', () => {
    expect(() => anomaliesProhibitedBy(['serialisable'])).toThrow(UserError);
    expect(() => anomaliesProhibitedBy(['serialisable', 'x'])).toThrow(
      /^unknown consistency models serialisable, x; known models: .*read-committed.*strict-serializable/,
    );
  });
});
