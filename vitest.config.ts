import { defineConfig } from 'vitest/config';

// Two projects: `unit` is fast and needs nothing; `integration` talks to a real Docker engine
// (and other real services) and is skipped loudly when none is reachable, except under CI=true.
// Scheduling is chosen for a 2-core machine: the projects run one after the other (groupOrder), never
// at once — the integration files start clusters whose timing matters, and CPU-heavy unit properties
// beside them starve the nodes — and integration files run one at a time (fileParallelism: false).
// Unit files use vitest's default worker count (cores − 1, so 1 on 2 cores). (groupOrder 0 with one
// worker would put a project in vitest's trailing "sequential" group: unit would then run last.)
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
