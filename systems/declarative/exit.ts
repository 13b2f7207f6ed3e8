/**
 * Why a declarative system's program is gone before it became ready, from the tail of its log (pure).
 * The Maelstrom shim logs `shim <node>: node program exited (code N)` (or `(signal S)`) when the node
 * program behind it exits; a plain program's exit code is not recorded (start-stop-daemon detaches it),
 * so its last log line is all there is.
 */

/** The shim's own log lines: `<ISO time> shim <node>: …` (systems/maelstrom/node/shim.mjs). */
const SHIM_LINE = /^\d{4}-\d\d-\d\dT\S+ shim \S+: /;
const SHIM_EXIT = /node program exited \((code \S+|signal \S+)\)/;

/**
 * One line: `the node program exited with code 3: <its last stderr line>` (Maelstrom: from the shim's
 * log), or `the program exited: <last log line>` (plain), `(nothing in its log)` when the log is empty.
 * `logTail` is the end of the daemon's log file.
 */
export function describeEarlyExit(logTail: string, maelstrom: boolean): string {
  const lines = logTail
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const own = lines.filter((l) => !SHIM_LINE.test(l));
  const last = own.at(-1) ?? lines.at(-1)?.replace(SHIM_LINE, '');
  const said = last === undefined ? ' (nothing in its log)' : `: ${last}`;
  if (!maelstrom) return `the program exited${said}`;
  const exit = lines.map((l) => SHIM_EXIT.exec(l)?.[1]).findLast((x) => x !== undefined);
  return exit ? `the node program exited with ${exit}${said}` : `the Maelstrom shim exited${said}`;
}
