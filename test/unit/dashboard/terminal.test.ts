/**
 * The terminal painter, its output played into a real terminal emulator (xterm.js, headless): after
 * every frame the screen must show exactly what was written above the frame and then the frame, with
 * nothing left over from earlier frames.
 */
import xterm from '@xterm/headless';
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Line } from '../../../src/dashboard/lines.ts';
import {
  defaultColors,
  frameText,
  lineText,
  repaint,
  terminalPainter,
} from '../../../src/dashboard/terminal.ts';
import { bufferLines } from './fakes.ts';

/** A headless terminal `columns` × `rows` with a long scrollback, fed what the painter writes. */
function emulator(columns: number, rows: number) {
  // convertEol: a terminal's line discipline turns \n into \r\n (ONLCR, kept in raw mode too).
  const term = new xterm.Terminal({
    cols: columns,
    rows,
    scrollback: 1000,
    allowProposedApi: true,
    convertEol: true,
  });
  // xterm parses writes in order, later: `flushed` waits for all of them.
  const flushed = () => new Promise<void>((r) => term.write('', r));
  const stream = {
    columns,
    rows,
    written: [] as string[],
    write(text: string) {
      stream.written.push(text);
      term.write(text);
    },
  };
  return {
    term,
    stream,
    /** Every line of the buffer (scrollback and screen) up to the cursor's row or the last non-blank one. */
    async screen(): Promise<string[]> {
      await flushed();
      return bufferLines(term);
    },
    async cursorVisible(): Promise<boolean> {
      await flushed();
      return !(term as unknown as { _core: { coreService: { isCursorHidden: boolean } } })._core.coreService
        .isCursorHidden;
    },
  };
}

const plain = (key: string, text: string): Line => ({ key, spans: [{ text }] });
const frame = (...texts: string[]) => texts.map((t, i) => plain(`l${i}`, t));

describe('lineText / frameText', () => {
  it('styles spans with escape codes and cuts a line at the width with an ellipsis, wide characters counted', () => {
    const l: Line = { key: 'x', spans: [{ text: 'abc', color: 'red', bold: true }, { text: 'def' }] };
    const text = lineText(l, 100, new Chalk({ level: 1 }));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape codes are what is checked
    expect(text).toMatch(/\x1b\[[0-9;]*m/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing escape codes
    const bare = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
    expect(bare(text)).toBe('abcdef');
    expect(bare(lineText(l, 4))).toBe('abc…');
    // Two columns a character: 6 columns, cut at 5.
    expect(bare(lineText(plain('w', '名前名'), 5))).toBe('名前…');
    expect(bare(lineText(plain('w', '名前名'), 6))).toBe('名前名');
    // The dashboard's own symbols are one column each.
    expect(bare(lineText(plain('s', '▸›█░▁…µ'), 7))).toBe('▸›█░▁…µ');
  });

  it('NO_COLOR (set, not empty) turns colours off; otherwise chalk decides', () => {
    expect(defaultColors({ NO_COLOR: '1' }).level).toBe(0);
    expect(defaultColors({ NO_COLOR: '' })).toBe(defaultColors({}));
    const l: Line = { key: 'x', spans: [{ text: 'abc', color: 'red' }] };
    expect(lineText(l, 10, defaultColors({ NO_COLOR: '1' }))).toBe('abc');
  });

  it('keeps the top rows − 1 lines and never a line wider than the terminal', () => {
    const lines = frame('a'.repeat(200), 'b', 'c', 'd');
    const t = frameText(lines, 30, 3).split('\n');
    expect(t).toHaveLength(2);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing escape codes
    expect(t[0]!.replace(/\x1b\[[0-9;]*m/g, '')).toBe(`${'a'.repeat(29)}…`);
    expect(t[1]).toBe('b');
  });
});

describe('terminalPainter in a terminal emulator', () => {
  it('redraws in place: the screen shows the latest frame only, whatever grew, shrank or changed', async () => {
    const e = emulator(60, 20);
    e.term.write('$ faultline run\r\n');
    const p = terminalPainter(e.stream, true);
    const frames = [
      frame('one', 'two', 'three'),
      frame('one', 'TWO', 'three'),
      frame('one', 'TWO', 'three', 'four', 'five'),
      frame('one', 'TWO'),
      frame('uno', 'TWO'),
      frame('uno', 'TWO'),
      frame('uno', 'dos', 'tres', 'four'),
    ];
    for (const f of frames) {
      p.paint(f);
      expect(await e.screen()).toEqual(['$ faultline run', ...f.map((l) => l.spans[0]!.text)]);
    }
    // An unchanged frame writes nothing.
    const n = e.stream.written.length;
    p.paint(frame('uno', 'dos', 'tres', 'four'));
    expect(e.stream.written.length).toBe(n);
    expect(await e.cursorVisible()).toBe(false);
    p.done();
    expect(await e.cursorVisible()).toBe(true);
    expect(await e.screen()).toEqual(['$ faultline run', 'uno', 'dos', 'tres', 'four']);
  });

  it('writes text above the frame, and a frame taller than the screen keeps its top lines', async () => {
    const e = emulator(40, 6);
    const p = terminalPainter(e.stream, true);
    p.paint(frame('a', 'b', 'c'));
    p.above('warning: one\n');
    p.above('warning: two');
    p.paint(frame('a', 'B', 'c'));
    expect(await e.screen()).toEqual(['warning: one', 'warning: two', 'a', 'B', 'c']);
    p.paint(frame('1', '2', '3', '4', '5', '6', '7', '8'));
    const s = await e.screen();
    expect(s.slice(-5)).toEqual(['1', '2', '3', '4', '5']);
    p.paint(frame('x', 'y'));
    expect((await e.screen()).slice(-3)).toEqual(['warning: two', 'x', 'y']);
  });

  it('never erases with "erase below" (a terminal takes it at the top-left for a clear screen and keeps a copy)', async () => {
    const e = emulator(40, 10);
    const p = terminalPainter(e.stream, true);
    p.paint(frame('a', 'b', 'c'));
    p.above('note');
    p.paint(frame('a'));
    e.stream.columns = 30;
    p.resize();
    p.done();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ED (0J, J) is what must not be written
    expect(e.stream.written.join('')).not.toMatch(/\x1b\[0?J/);
    expect(await e.screen()).toEqual(['note', 'a']);
  });

  it('starts its first frame at the beginning of a clean line (keys echoed before raw mode)', async () => {
    const e = emulator(40, 10);
    e.term.write('x y z');
    const p = terminalPainter(e.stream, true);
    p.paint(frame('first', 'second'));
    expect(await e.screen()).toEqual(['first', 'second']);
  });

  it('text above the frame can go elsewhere (stderr): the frame is erased, then drawn again', async () => {
    const e = emulator(40, 10);
    const p = terminalPainter(e.stream, true);
    p.paint(frame('a', 'b'));
    p.above('to stderr', (t) => e.stream.write(t.replace('to', 'TO')));
    expect(await e.screen()).toEqual(['TO stderr', 'a', 'b']);
  });

  it('after a resize the frame is drawn again at the new width', async () => {
    const e = emulator(80, 10);
    const p = terminalPainter(e.stream, true);
    p.paint(frame('x'.repeat(70), 'y'));
    await e.screen();
    e.term.resize(50, 10);
    e.stream.columns = 50;
    p.resize();
    const s = await e.screen();
    expect(s.at(-2)).toBe(`${'x'.repeat(49)}…`);
    expect(s.at(-1)).toBe('y');
  });

  it('not interactive: only the last frame, once, at done, with no cursor movement', async () => {
    const e = emulator(60, 20);
    const p = terminalPainter(e.stream, false);
    p.paint(frame('a'));
    p.paint(frame('b', 'c'));
    p.above('note\n');
    expect(e.stream.written.join('')).toBe('note\n');
    p.done();
    expect(e.stream.written.join('')).toBe('note\nb\nc\n');
  });
});

describe('repaint (property)', () => {
  it('turns any frame into any other on a real terminal', async () => {
    const lineArb = fc.constantFrom('', 'a', 'b', 'ab', 'abc', 'zz z');
    const frameArb = fc.array(lineArb, { minLength: 1, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 6 }), async (frames) => {
        const e = emulator(20, 12);
        e.term.write('top\r\n');
        let prev: string[] = [];
        for (const f of frames) {
          e.stream.write(prev.length ? repaint(prev, f) : `${f.join('\n')}\n`);
          prev = f;
          expect(await e.screen()).toEqual(['top', ...f]);
        }
      }),
      { numRuns: 150 },
    );
  });
});
