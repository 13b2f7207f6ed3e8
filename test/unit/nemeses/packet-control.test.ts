/**
 * On SSH runs the packet family leaves faultline's own control connection alone: its iptables chains
 * start with a RETURN for the faultline machine's address, the bandwidth limit gives that address a
 * class of its own, and netem sits under a prio qdisc whose filter sends that address around it.
 * Without a control address (Docker) the rules are as before. The rule text only (pure).
 */
import { describe, expect, it } from 'vitest';
import { bandwidthCommands, exemptRules, netemCommands } from '../../../nemeses/packet.ts';

const DROP = ['-m', 'statistic', '--mode', 'random', '--probability', '0.5', '-j', 'DROP'];

describe('packet faults exempt the control connection', () => {
  it('iptables: RETURN for the control address comes first, then the fault', () => {
    expect(exemptRules('-s', [], DROP, '10.1.1.1')).toEqual([['-s', '10.1.1.1/32', '-j', 'RETURN'], DROP]);
    expect(exemptRules('-d', ['10.0.0.2'], DROP, '10.1.1.1')).toEqual([
      ['-d', '10.1.1.1/32', '-j', 'RETURN'],
      ['-d', '10.0.0.2/32', ...DROP],
    ]);
    // No control address (Docker): the fault's rules only.
    expect(exemptRules('-s', [], DROP, undefined)).toEqual([DROP]);
  });

  it('bandwidth: the control address gets a 10gbit class and a filter into it', () => {
    const c = bandwidthCommands('eth0', '1mbit', [], '10.1.1.1').map((x) => x.join(' '));
    expect(c).toEqual([
      'qdisc replace dev eth0 root handle 1: htb default 1',
      'class replace dev eth0 parent 1: classid 1:1 htb rate 1mbit',
      'class replace dev eth0 parent 1: classid 1:3 htb rate 10gbit',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 10.1.1.1/32 flowid 1:3',
    ]);
    expect(bandwidthCommands('eth0', '1mbit', ['10.0.0.2'], undefined).map((x) => x.join(' '))).toEqual([
      'qdisc replace dev eth0 root handle 1: htb default 1',
      'class replace dev eth0 parent 1: classid 1:1 htb rate 10gbit',
      'class replace dev eth0 parent 1: classid 1:2 htb rate 1mbit',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.2/32 flowid 1:2',
    ]);
  });

  it('netem: under a prio qdisc whose default band holds netem; the control address bypasses it', () => {
    expect(netemCommands('eth0', ['duplicate', '5%'], undefined).map((x) => x.join(' '))).toEqual([
      'qdisc replace dev eth0 root netem duplicate 5%',
    ]);
    expect(netemCommands('eth0', ['duplicate', '5%'], '10.1.1.1').map((x) => x.join(' '))).toEqual([
      `qdisc replace dev eth0 root handle 1: prio bands 2 priomap ${'1 '.repeat(16).trim()}`,
      'qdisc replace dev eth0 parent 1:2 handle 20: netem duplicate 5%',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 10.1.1.1/32 flowid 1:1',
    ]);
  });
});
