import { describe, expect, it } from 'vitest';
import {
  chooseSubnet,
  hostAddress,
  nodeAddress,
  overlaps,
  parseCidr,
} from '../../../src/cluster/docker/subnet.ts';

describe('subnet choice', () => {
  it('parses and normalises CIDRs', () => {
    expect(parseCidr('10.77.3.9/24')).toEqual({ base: parseCidr('10.77.3.0/24').base, prefix: 24 });
    expect(() => parseCidr('10.77.0.0')).toThrow(/CIDR/);
    expect(() => parseCidr('300.1.1.1/8')).toThrow(/CIDR/);
  });

  it('takes the first /24 of the pool when nothing is in use', () => {
    expect(chooseSubnet('10.77.0.0/16', [])).toBe('10.77.0.0/24');
  });

  it('skips subnets of existing networks, including larger and smaller overlapping ones', () => {
    expect(chooseSubnet('10.77.0.0/16', ['172.17.0.0/16', '10.77.0.0/24', '10.77.1.128/25'])).toBe(
      '10.77.2.0/24',
    );
    expect(chooseSubnet('10.77.0.0/16', ['10.77.0.0/23'])).toBe('10.77.2.0/24');
    // A network covering the whole pool leaves nothing.
    expect(chooseSubnet('10.77.0.0/16', ['10.0.0.0/8'])).toBeNull();
  });

  it('ignores IPv6 and junk, and honours the skip list (subnets lost to a concurrent run)', () => {
    expect(chooseSubnet('10.77.0.0/16', ['fd00::/64', '', 'nonsense'], 24, ['10.77.0.0/24'])).toBe(
      '10.77.1.0/24',
    );
  });

  it('returns null when the pool is full', () => {
    const taken = Array.from({ length: 4 }, (_, i) => `192.168.${i}.0/24`);
    expect(chooseSubnet('192.168.0.0/22', taken)).toBeNull();
    expect(chooseSubnet('192.168.0.0/22', taken.slice(1))).toBe('192.168.0.0/24');
  });

  it('can split into other sizes', () => {
    expect(chooseSubnet('10.77.0.0/16', ['10.77.0.0/26'], 26)).toBe('10.77.0.64/26');
    expect(() => chooseSubnet('10.77.0.0/16', [], 8)).toThrow();
  });

  it('detects overlap symmetrically', () => {
    const a = parseCidr('10.0.0.0/8');
    const b = parseCidr('10.77.0.0/24');
    expect(overlaps(a, b)).toBe(true);
    expect(overlaps(b, a)).toBe(true);
    expect(overlaps(parseCidr('10.77.0.0/24'), parseCidr('10.77.1.0/24'))).toBe(false);
  });

  it('numbers nodes from .11 and refuses addresses outside the subnet', () => {
    expect(hostAddress('10.77.5.0/24', 1)).toBe('10.77.5.1');
    expect(nodeAddress('10.77.5.0/24', 1)).toBe('10.77.5.11');
    expect(nodeAddress('10.77.5.0/24', 5)).toBe('10.77.5.15');
    expect(() => hostAddress('10.77.5.0/24', 255)).toThrow();
  });
});
