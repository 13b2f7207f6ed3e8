/**
 * The dashboard's ink component: the lines of lines.ts as a column of Text rows. No JSX (Node strips
 * types, not JSX), so trees are built with createElement.
 */
import './react-mode.ts';
import { Box, Text, useInput } from 'ink';
import React from 'react';
import { dashboardLines, type FrameInput, frameWidth, type Line, type Span } from './lines.ts';

export type { DashboardTest } from './lines.ts';

const h = React.createElement;

export interface DashboardProps extends FrameInput {
  /**
   * Whether this component reads the keys itself, through ink's stdin (default: when `keys`). False
   * where another reader has them and only the footer is drawn here.
   */
  readKeys?: boolean;
  onKey?: (k: 'quit' | 'help') => void;
}

export function Dashboard(p: DashboardProps): React.ReactElement {
  useInput(
    (input, key) => {
      if (key.eventType === 'release') return;
      if (input === 'q' || (key.ctrl && input === 'c')) p.onKey?.('quit');
      else if (input === '?') p.onKey?.('help');
    },
    { isActive: (p.readKeys ?? p.keys) === true },
  );
  return h(Box, { flexDirection: 'column', width: frameWidth(p.width) }, ...dashboardLines(p).map(row));
}

/** One screen line: a single Text with styled runs inside, cut rather than wrapped when it is too long. */
function row(l: Line): React.ReactElement {
  return h(Text, { key: l.key, wrap: 'truncate-end' }, ...l.spans.map(span));
}

function span(s: Span, i: number): React.ReactElement {
  return h(
    Text,
    {
      key: i,
      ...(s.color ? { color: s.color } : {}),
      ...(s.bold ? { bold: true } : {}),
      ...(s.dim ? { dimColor: true } : {}),
      ...(s.inverse ? { inverse: true } : {}),
      ...(s.underline ? { underline: true } : {}),
    },
    s.text,
  );
}
