import { declarativeSystem, defineTest } from '../../src/index.ts';

/**
 * The leader-kv Maelstrom node (leader-kv.mjs) defined in a test file instead of a JSON file: the same
 * keys, `files[].from` relative to this file's folder. `faultline run examples/maelstrom/leader-kv-test.ts`
 */
export default defineTest({
  name: 'leader-kv-register',
  system: declarativeSystem(
    {
      name: 'leader-kv',
      protocol: 'maelstrom',
      files: [{ from: 'leader-kv.mjs', to: '/opt/leader-kv/leader-kv.mjs' }],
      packages: ['nodejs'],
      start: ['/usr/bin/node', '/opt/leader-kv/leader-kv.mjs', '{dataDir}'],
      version: ['/usr/bin/node', '--version'],
    },
    { baseDir: import.meta.dirname },
  ),
  workload: 'register',
  nemesis: ['partition'],
  nodes: 3,
  timeLimit: 10,
  nemesisInterval: 3,
  flavour: 'hostroot',
});
