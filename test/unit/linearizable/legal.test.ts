import { describe, expect, it } from 'vitest';
import { type Call, Illegal } from '../../../checkers/linearizable/model.ts';
import { appendStringModel, PieceString } from '../../../checkers/linearizable/models/porcupine-kv.ts';
import { casRegisterModel, registerModel } from '../../../checkers/linearizable/models/register.ts';

/** xorshift32, so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('append-string model (PieceString states)', () => {
  it('a chain of pieces equals exactly the strings its text equals, however the pieces are cut', () => {
    const r = rng(7);
    const pieces = ['', 'a', 'b', 'ab', 'ba', 'x 1 0 y', 'x 2 0 y', 'é'];
    for (let round = 0; round < 2000; round++) {
      let s = new PieceString(null, pieces[Math.floor(r() * pieces.length)]!);
      let text = s.tail;
      const appends = Math.floor(r() * 6);
      for (let k = 0; k < appends; k++) {
        const p = pieces[Math.floor(r() * pieces.length)]!;
        s = new PieceString(s, p);
        text += p;
      }
      expect(s.text()).toBe(text);
      expect(s.length).toBe(text.length);
      // the same text cut differently, a same-length text differing in one place, and others
      const probe = pieces[Math.floor(r() * pieces.length)]! + pieces[Math.floor(r() * pieces.length)]!;
      const flipped = text.length ? `${text.slice(0, -1)}${text.endsWith('a') ? 'b' : 'a'}` : 'a';
      for (const other of [text, text.split('').join(''), flipped, probe, `${text}a`, text.slice(1)])
        expect(s.equalsText(other)).toBe(other === text);
    }
  });

  it('legal agrees with step on every get, and step refuses with the held text', () => {
    const m = appendStringModel();
    const held = new PieceString(new PieceString(null, 'x 1 0 y'), 'x 2 0 y');
    const get = (value: unknown, outcome: Call['outcome'] = 'ok'): Call => ({ f: 'get', value, outcome });
    for (const c of [
      get('x 1 0 yx 2 0 y'),
      get('x 2 0 yx 1 0 y'),
      get('x 1 0 y'),
      get(''),
      get(null),
      get(42),
      get(null, 'info'),
      get('zzz', 'info'),
    ]) {
      const next = m.step(held, c);
      expect(m.legal!(held, c)).toBe(!(next instanceof Illegal));
      if (next instanceof Illegal) expect(next.reason).toContain('but the key holds "x 1 0 yx 2 0 y"');
      else expect(next).toBe(held);
    }
    expect(m.describeState!(held)).toBe('"x 1 0 yx 2 0 y"');
    const put = m.step(held, { f: 'put', value: 'q', outcome: 'ok' });
    expect(m.equal!(put, new PieceString(new PieceString(null, ''), 'q'))).toBe(true);
    expect(m.hash!(put)).toBe(m.hash!(new PieceString(PieceString.EMPTY, 'q')));
  });
});

describe('register models: legal', () => {
  it('agrees with step on every read', () => {
    for (const m of [registerModel(), casRegisterModel()]) {
      for (const state of [null, 1, 2, 'a', [1, 2]])
        for (const value of [null, undefined, 1, 2, 'a', [1, 2], [2, 1]])
          for (const outcome of ['ok', 'info', 'fail'] as const) {
            const c: Call = { f: 'read', value, outcome };
            expect(m.legal!(state, c)).toBe(!(m.step(state, c) instanceof Illegal));
          }
    }
  });
});
