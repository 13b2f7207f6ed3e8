/**
 * Maelstrom's protocol in faultline: the mapping of ops to request bodies and of replies (and error
 * codes) to completions (systems/maelstrom/protocol.ts), and the shim's routing decisions
 * (systems/maelstrom/node/route.mjs), both pure.
 */
import { describe, expect, it } from 'vitest';
import {
  INIT_CLIENT,
  initMessage,
  lineSplitter,
  parseMessage,
  routeFromNetwork,
  routeFromNode,
} from '../../../systems/maelstrom/node/route.mjs';
import { completionFor, isDefinite, requestBody, unanswered } from '../../../systems/maelstrom/protocol.ts';

describe('lin-kv as the register workload', () => {
  it('maps read, write and cas to Maelstrom bodies', () => {
    expect(requestBody('register', { f: 'read', value: [3, null] })).toEqual({ type: 'read', key: 3 });
    expect(requestBody('register', { f: 'write', value: [3, 4] })).toEqual({
      type: 'write',
      key: 3,
      value: 4,
    });
    expect(requestBody('register', { f: 'cas', value: [3, [1, 2]] })).toEqual({
      type: 'cas',
      key: 3,
      from: 1,
      to: 2,
    });
    expect(() => requestBody('register', { f: 'add', value: 1 })).toThrow(/lin-kv: no operation add/);
  });

  it('maps replies to completions: values keyed, errors definite or not', () => {
    const read = { f: 'read', value: [3, null] };
    const write = { f: 'write', value: [3, 4] };
    const cas = { f: 'cas', value: [3, [1, 2]] };
    expect(completionFor('register', read, { type: 'read_ok', value: 7 })).toEqual({
      type: 'ok',
      value: [3, 7],
    });
    expect(completionFor('register', write, { type: 'write_ok' })).toEqual({ type: 'ok' });
    expect(completionFor('register', read, { type: 'error', code: 20 })).toEqual({
      type: 'fail',
      error: 'key-does-not-exist',
    });
    expect(completionFor('register', cas, { type: 'error', code: 22, text: 'was 3' })).toEqual({
      type: 'fail',
      error: 'precondition-failed: was 3',
    });
    // Indefinite: timeout (0), crash (13), and codes Maelstrom does not define.
    expect(completionFor('register', write, { type: 'error', code: 0 }).type).toBe('info');
    expect(completionFor('register', cas, { type: 'error', code: 13 }).type).toBe('info');
    expect(completionFor('register', write, { type: 'error', code: 1000 })).toEqual({
      type: 'info',
      error: 'error 1000',
    });
    expect(completionFor('register', write, { type: 'error', code: 11 }).type).toBe('fail');
    // A read has no effect: even an indefinite error or a wrong reply is a fail.
    expect(completionFor('register', read, { type: 'error', code: 0 }).type).toBe('fail');
    expect(completionFor('register', write, { type: 'read_ok' })).toEqual({
      type: 'info',
      error: 'unexpected reply read_ok to write',
    });
  });

  it('classifies the definite codes as Maelstrom does', () => {
    for (const c of [1, 10, 11, 12, 14, 20, 21, 22, 30]) expect(isDefinite(c), String(c)).toBe(true);
    for (const c of [0, 13, 2, 1000]) expect(isDefinite(c), String(c)).toBe(false);
  });

  it('an unanswered op: never sent or a read is a fail, a sent write is info', () => {
    expect(unanswered('write', 'refused', false).type).toBe('fail');
    expect(unanswered('write', 'timed out', true).type).toBe('info');
    expect(unanswered('read', 'timed out', true).type).toBe('fail');
  });
});

describe('g-set as the set workload', () => {
  it('maps add and read, sorting what was read', () => {
    expect(requestBody('set', { f: 'add', value: 5 })).toEqual({ type: 'add', element: 5 });
    expect(requestBody('set', { f: 'read', value: null })).toEqual({ type: 'read' });
    expect(completionFor('set', { f: 'read', value: null }, { type: 'read_ok', value: [10, 2, 1] })).toEqual({
      type: 'ok',
      value: [1, 2, 10],
    });
    expect(completionFor('set', { f: 'read', value: null }, { type: 'read_ok' }).type).toBe('fail');
    expect(completionFor('set', { f: 'add', value: 1 }, { type: 'add_ok' })).toEqual({ type: 'ok' });
  });
});

describe('the shim routing (route.mjs)', () => {
  const nodes = ['n1', 'n2', 'n3'];
  const msg = (src: string, dest: string, type = 'x') => ({ src, dest, body: { type } });

  it('parses messages and names what is wrong with other lines', () => {
    expect(parseMessage('{"src":"n1","dest":"c2","body":{"type":"read_ok"}}').msg?.dest).toBe('c2');
    expect(parseMessage('hello').error).toBe('not JSON');
    expect(parseMessage('[1]').error).toBe('not a JSON object');
    expect(parseMessage('{"src":"n1","body":{"type":"x"}}').error).toBe('no string src/dest');
    expect(parseMessage('{"src":"n1","dest":"n2","body":{}}').error).toBe('no body.type');
    expect(parseMessage('   ').error).toBe('empty line');
  });

  it("routes the node's messages: init reply, itself, peers, connected clients, else drop", () => {
    const clients = new Map([['c7', {}]]);
    expect(routeFromNode(msg('n2', INIT_CLIENT), 'n2', nodes, clients)).toEqual({ kind: 'init' });
    expect(routeFromNode(msg('n2', 'n2'), 'n2', nodes, clients)).toEqual({ kind: 'self' });
    expect(routeFromNode(msg('n2', 'n3'), 'n2', nodes, clients)).toEqual({ kind: 'peer', to: 'n3' });
    expect(routeFromNode(msg('n2', 'c7'), 'n2', nodes, clients)).toEqual({ kind: 'client', to: 'c7' });
    expect(routeFromNode(msg('n2', 'c8'), 'n2', nodes, clients).kind).toBe('drop');
    expect(routeFromNode(msg('n2', 'n9'), 'n2', nodes, clients).kind).toBe('drop');
  });

  it('delivers network messages addressed to this node, remembering client senders', () => {
    expect(routeFromNetwork(msg('c3', 'n1'), 'n1', nodes)).toEqual({ kind: 'deliver', client: 'c3' });
    expect(routeFromNetwork(msg('n2', 'n1'), 'n1', nodes)).toEqual({ kind: 'deliver' });
    expect(routeFromNetwork(msg('c3', 'n2'), 'n1', nodes).kind).toBe('drop');
  });

  it('sends init with the node ids, and splits a stream into whole lines', () => {
    expect(initMessage('n2', nodes)).toEqual({
      src: 'c0',
      dest: 'n2',
      body: { type: 'init', msg_id: 1, node_id: 'n2', node_ids: nodes },
    });
    const split = lineSplitter();
    expect(split('a\nb')).toEqual(['a']);
    expect(split('c\n\nd\n')).toEqual(['bc', '', 'd']);
  });
});
