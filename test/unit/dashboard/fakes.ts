/** Stand-ins for a terminal's streams, enough for ink (as in ink-testing-library), and a real screen's reader. */

import { EventEmitter } from 'node:events';
import type xterm from '@xterm/headless';

export class FakeStdout extends EventEmitter {
  columns = 110;
  rows = 40;
  isTTY: boolean;
  writes: string[] = [];
  constructor(isTTY = true) {
    super();
    this.isTTY = isTTY;
  }
  write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    this.writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  };
  /** Typed as the stream it stands in for. */
  get stream(): NodeJS.WritableStream {
    return this as unknown as NodeJS.WritableStream;
  }
  /** Everything written, escape codes removed. */
  text(): string {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing escape codes
    return this.writes.join('').replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[78]/g, '');
  }
}

export class FakeStdin extends EventEmitter {
  isTTY: boolean;
  private data: string | null = null;
  constructor(isTTY = true) {
    super();
    this.isTTY = isTTY;
  }
  get stream(): NodeJS.ReadableStream {
    return this as unknown as NodeJS.ReadableStream;
  }
  /** Types a key, as a terminal in raw mode sends it. */
  press(data: string): void {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The lines of a terminal emulator's buffer (scrollback and screen) up to the cursor's row, and on past
 * it to the last line holding anything (a stale line left below the frame counts).
 */
export function bufferLines(term: xterm.Terminal): string[] {
  const b = term.buffer.active;
  const out: string[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.getLine(i)?.translateToString(true) ?? '');
  let end = out.length;
  while (end > b.baseY + b.cursorY && out[end - 1] === '') end--;
  out.length = end;
  return out;
}
