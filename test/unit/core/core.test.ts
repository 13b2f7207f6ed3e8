import { describe, expect, it } from 'vitest';
import {
  EXIT,
  errorText,
  exitCodeFor,
  mergeValidity,
  msToNs,
  NS_PER_MS,
  NS_PER_S,
  nsToMs,
  nsToS,
  sToNs,
} from '../../../src/core/index.ts';

describe('core helpers', () => {
  it('maps verdicts to Jepsen exit codes, one mapping', () => {
    expect([exitCodeFor(true), exitCodeFor(false), exitCodeFor('unknown')]).toEqual([0, 1, 2]);
    expect(EXIT).toEqual({ valid: 0, invalid: 1, unknown: 2, badInput: 254, crashed: 255 });
    expect(exitCodeFor(mergeValidity([true, 'unknown', false]))).toBe(EXIT.invalid);
  });

  it('errorText keeps the first line of a message and stringifies anything else', () => {
    expect(errorText(new Error('first\nsecond'))).toBe('first');
    expect(errorText('plain')).toBe('plain');
    expect(errorText(42)).toBe('42');
  });

  it('converts time units both ways', () => {
    expect(NS_PER_S).toBe(1_000_000_000);
    expect(NS_PER_MS).toBe(1_000_000);
    expect(sToNs(2.5)).toBe(2_500_000_000);
    expect(msToNs(3)).toBe(3_000_000);
    expect(nsToMs(1_500_000)).toBe(1.5);
    expect(nsToS(sToNs(7))).toBe(7);
  });
});
