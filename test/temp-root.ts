/**
 * Vitest global setup: one temporary root for the whole test run, shared by every test process (TMPDIR,
 * so `os.tmpdir()` and everything the tests start — the CLI, tmux, ssh-keygen — put their temporary
 * files there), removed when the run ends. A test that forgets to remove a folder it made, or fails before
 * it could, then leaves nothing behind in the machine's /tmp.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'faultline-tests-'));
  // As /tmp: writable by every user, sticky (a container or a helper running as another user writes here too).
  chmodSync(root, 0o1777);
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
