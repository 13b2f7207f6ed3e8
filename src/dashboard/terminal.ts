/**
 * Paints the dashboard's lines (lines.ts) on a terminal in place: each line styled with chalk and cut at
 * the terminal's width with cli-truncate, and only the lines that changed rewritten, in one write with
 * ansi-escapes' cursor moves. No layout pass and no per-cell output buffer, as ink has, and no re-wrap of
 * the whole frame, as log-update does (0.65 ms a frame here): a frame costs about 0.1 ms to paint.
 */
import ansiEscapes from 'ansi-escapes';
import chalk, { Chalk, type ChalkInstance } from 'chalk';
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import { frameWidth, type Line, type Span } from './lines.ts';

/** Where frames go: a terminal's stream (or anything that takes text and says its size). */
export interface TerminalStream {
  write(text: string): unknown;
  /** Columns; 100 when unknown. */
  columns?: number | undefined;
  /** Rows; the frame is not cut to a height when unknown. */
  rows?: number | undefined;
}

export interface TerminalPainter {
  /** Draws `lines` in place of the previous frame (interactive), or keeps them for `done` (not). */
  paint(lines: readonly Line[]): void;
  /**
   * Writes `text` above the frame (interactive; as is otherwise) and draws the frame again under it.
   * `to`: where the text goes when not to this stream (the terminal's stderr descriptor, say).
   */
  above(text: string, to?: (text: string) => void): void;
  /** The terminal changed size: erases the frame and draws it again at the new size. */
  resize(): void;
  /** Leaves the last frame on screen (writes it, when not interactive) and shows the cursor again. */
  done(): void;
}

/**
 * The styles' chalk: as chalk finds this process's stdout (colours on a terminal, FORCE_COLOR), and none
 * under NO_COLOR (no-color.org: set and not empty), which chalk itself does not read.
 */
export function defaultColors(env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  return env.NO_COLOR ? new Chalk({ level: 0 }) : chalk;
}

/** One span in its style: `colors`' escape codes (none at level 0). */
function styled(s: Span, colors: ChalkInstance): string {
  let c = colors;
  if (s.color) c = c[s.color];
  if (s.bold) c = c.bold;
  if (s.dim) c = c.dim;
  if (s.inverse) c = c.inverse;
  if (s.underline) c = c.underline;
  return c === colors ? s.text : c(s.text);
}

/**
 * Text of one column a character, for sure: printable ASCII, Latin letters, punctuation, arrows, math
 * signs, box drawing and blocks (the dashboard's own text: sparklines, bars, ›, ▸, …, µ). Anything else
 * (a name from elsewhere) is measured by string-width: graphemes, wide and zero-width characters.
 */
const NARROW = /^[\x20-\x7e\u00a0-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u22ff\u2500-\u25ff]*$/;

/** Columns `text` takes (no escape codes in it). */
function widthOf(text: string): number {
  return NARROW.test(text) ? text.length : stringWidth(text);
}

/**
 * `l` as terminal text at most `width` columns wide (cut with an ellipsis, never wrapped), styled by
 * `colors` (default: `defaultColors()`).
 */
export function lineText(l: Line, width: number, colors: ChalkInstance = defaultColors()): string {
  let out = '';
  let cols = 0;
  for (const s of l.spans) {
    out += styled(s, colors);
    cols += widthOf(s.text);
  }
  // Measuring the styled line (escape codes, graphemes) is what costs: only a line too long is cut.
  return cols <= width ? out : cliTruncate(out, width, { position: 'end' });
}

/**
 * The frame's text for a terminal `columns` wide and `rows` high: each line cut at the frame's width
 * (never wider than the terminal, whose wrap would break the redraw), and no more lines than rows − 1
 * (the top ones kept: a taller frame scrolls, and the lines above the screen could not be redrawn).
 */
export function frameText(
  lines: readonly Line[],
  columns: number | undefined,
  rows: number | undefined,
  colors: ChalkInstance = defaultColors(),
): string {
  const cols = columns && columns > 0 ? columns : 100;
  const width = Math.min(frameWidth(cols), cols);
  const shown = rows && rows > 1 ? lines.slice(0, rows - 1) : lines;
  return shown.map((l) => lineText(l, width, colors)).join('\n');
}

/**
 * Erases `n` rows from the cursor's down, line by line, and leaves the cursor where it was. Not "erase
 * below" (ED): with the cursor at the screen's top-left, tmux and others take ED for a clear screen and
 * push the whole screen into the scrollback, a stale copy of the frame each time.
 */
function eraseRows(n: number): string {
  let out = ansiEscapes.eraseLine;
  for (let i = 1; i < n; i++) out += `${ansiEscapes.cursorDown(1)}${ansiEscapes.eraseLine}`;
  return n > 1 ? out + ansiEscapes.cursorUp(n - 1) : out;
}

/** Synchronized output (DEC mode 2026): the terminal shows a repaint whole, not half drawn; others ignore it. */
const BEGIN_SYNC = '\x1b[?2026h';
const END_SYNC = '\x1b[?2026l';

/**
 * What turns the screen from `prev` to `next`, both the frame's lines, with the cursor at the start of
 * the row below the frame before and after: it goes up to the first line that changed and rewrites the
 * lines from there to the last one that changed, erasing what a shorter frame leaves below. '' when
 * nothing changed.
 */
export function repaint(prev: readonly string[], next: readonly string[]): string {
  let first = 0;
  while (first < prev.length && first < next.length && prev[first] === next[first]) first++;
  if (first === prev.length && first === next.length) return '';
  // With as many lines, unchanged ones at the bottom stay; otherwise every line from `first` moves.
  let last = next.length - 1;
  if (prev.length === next.length) while (last > first && prev[last] === next[last]) last--;
  let out = prev.length > first ? `${ansiEscapes.cursorUp(prev.length - first)}\r` : '';
  for (let i = first; i <= last; i++) out += `${ansiEscapes.eraseLine}${next[i]}\n`;
  if (next.length < prev.length) out += eraseRows(prev.length - next.length);
  else if (last + 1 < next.length) out += ansiEscapes.cursorDown(next.length - last - 1);
  return out;
}

/**
 * A painter on `stream`. `interactive` (a terminal): frames are redrawn in place (only changed lines,
 * one write each) and the cursor is hidden until `done`; otherwise only the last frame is written, at
 * `done` (logs get no cursor movement). `colors`: the styles' chalk (default: `defaultColors()`).
 * It assumes the cursor starts at the beginning of a line and that nothing else writes to the terminal
 * while it paints (`above` is how to).
 */
export function terminalPainter(
  stream: TerminalStream,
  interactive: boolean,
  colors: ChalkInstance = defaultColors(),
): TerminalPainter {
  let last: readonly Line[] = [];
  /** The lines on screen (empty before the first frame and after an erase). */
  let shown: string[] = [];
  let hidden = false;
  let ended = false;
  const lines = () => frameText(last, stream.columns, stream.rows, colors).split('\n');
  const erase = () =>
    shown.length ? `${ansiEscapes.cursorUp(shown.length)}\r${eraseRows(shown.length)}` : '';
  const write = (text: string) => {
    if (text) stream.write(`${BEGIN_SYNC}${text}${END_SYNC}`);
  };
  const draw = (before = '') => {
    const next = lines();
    let out = before;
    if (!hidden) {
      // The first frame starts at the beginning of a clean line: keys typed before raw mode was on were
      // echoed where the frame would start.
      out = `${ansiEscapes.cursorHide}\r${ansiEscapes.eraseLine}${out}`;
      hidden = true;
    }
    write(out + repaint(before ? [] : shown, next));
    shown = next;
  };
  return {
    paint(lines) {
      if (ended) return;
      last = lines;
      if (interactive) draw();
    },
    above(t, to) {
      if (ended || !interactive || !last.length) {
        (to ?? stream.write.bind(stream))(t);
        return;
      }
      const line = t.endsWith('\n') ? t : `${t}\n`;
      if (!to) {
        draw(erase() + line);
        return;
      }
      write(erase());
      shown = [];
      to(line);
      draw();
    },
    resize() {
      if (ended || !interactive || !last.length) return;
      // Most terminals reflow on resize: a line wider than the new width now takes more rows. Erase as
      // many (on one that does not reflow, that also erases a line or two above the frame), then draw.
      const cols = stream.columns && stream.columns > 0 ? stream.columns : 100;
      let rows = 0;
      for (const l of shown) rows += Math.max(1, Math.ceil(stringWidth(l) / cols));
      const out = rows ? `${ansiEscapes.cursorUp(rows)}\r${eraseRows(rows)}` : '';
      shown = [];
      draw(out);
    },
    done() {
      if (ended) return;
      ended = true;
      if (interactive) {
        if (hidden) stream.write(ansiEscapes.cursorShow);
      } else if (last.length) stream.write(`${frameText(last, stream.columns, stream.rows, colors)}\n`);
    },
  };
}
