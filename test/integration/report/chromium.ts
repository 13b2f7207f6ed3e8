/** Headless Chromium for the report tests: skipped loudly when missing, a failure under CI=true. */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  const msg = `\n*** Chromium not found at ${CHROMIUM} (apt-get install chromium): report browser tests SKIPPED ***\n`;
  if (process.env.CI === 'true') throw new Error(`Chromium is required under CI=true${msg}`);
  process.stderr.write(msg);
}

/** Headless, and nothing that would reach out to the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
}

/** What the page exposes on window.__faultline (read-only). */
export interface Hook {
  ready: boolean;
  errors: string[];
  verdict: unknown;
  checkers: { name: string; valid: unknown }[];
  faults: { key: string; label: string; startS: number; endS: number }[];
  timeline: {
    drawnOps: number;
    totalOps: number;
    frames: number;
    lastFrameMs: number;
    bands: { label: string; startS: number; endS: number; x0: number; x1: number }[];
    view: { t0: number; t1: number };
    setView(t0: number, t1: number): void;
    focusOp(i: number): boolean;
  };
  charts(): Record<
    string,
    {
      bands: { startS: number; endS: number; x0: number; x1: number }[];
      axes: { label: string | undefined; values: string[] }[];
    }
  >;
}
